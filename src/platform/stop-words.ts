// English function words: they carry no topic, so keyword search, lexical embedding and sentence scoring all
// leave them out ("who is unhappy with onboarding?" is about "unhappy" and "onboarding").

export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her his how i if in ' +
    'into is it its me my no not of on or our she should so than that the their them then there these they ' +
    'this to too us was we were what when where which who whom why will with would you your'
  ).split(' '),
);
