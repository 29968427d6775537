"""研修会議Ⅰ registrations and 研修会議Ⅱ team applications."""
