"""Registration use cases, one module per use case; each public function is one transaction.

- ``individual``: 研修会議Ⅰ registrations (register, import, change, switch channel, cancel,
  capacity changes by the secretariat);
- ``waitlist``: the webinar's キャンセル待ち and its offers;
- ``teams``: 研修会議Ⅱ team applications and the secretariat's decisions;
- ``materials``: downloads of the 特設サイト and the registrants' archive;
- ``retention``: anonymisation after the retention period;
- shared by them: ``people`` (what a person enters and its checks) and ``seats`` (a channel's
  facts, seats taken, the overview of channels, taking a seat under the lock).

Mail texts are templates under ``app/templates/mail/``; these modules choose which to send.
"""
