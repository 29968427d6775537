"""Pre-assignments of 研修会議Ⅱ: 資料１ (venue guide PDF), 資料２ (場面の希望), 資料３ (事前課題シート)
and 資料４ (自治体概要資料 uploads), with deadlines, extensions, tracker and reminders."""
