import type { NotificationKind } from './notifications.ts';
import type { Language } from './report.ts';

/**
 * Every word a notification carries, in English and Urdu. It says only that something is
 * waiting and where to sign in: never a narrative, a name, a case reference or a link to a case.
 * An email or a webhook message can be read by others on a phone's lock screen, in a shared
 * inbox or by the operator's bridge; what it says must harm nobody there.
 */
interface NotificationText {
  subject: string;
  line: string;
}

const texts: Record<Language, Record<NotificationKind, NotificationText> & { signIn: string; why: string }> = {
  en: {
    danger_report: { subject: 'Hifazat: an urgent report is waiting', line: 'An urgent report is waiting in Hifazat.' },
    triage_due: {
      subject: 'Hifazat: a triage time ends within 30 minutes',
      line: 'A case in Hifazat has not been triaged and its time ends within 30 minutes.',
    },
    reporter_reply: { subject: 'Hifazat: a reporter has replied', line: 'A reporter has written on a case in Hifazat.' },
    closure_request: {
      subject: 'Hifazat: a closure awaits approval',
      line: 'A request to close a case in Hifazat awaits a supervisor’s approval.',
    },
    referral_follow_up: { subject: 'Hifazat: a referral follow-up is due', line: 'A referral follow-up in Hifazat is due today.' },
    signIn: 'Sign in to the console to see it:',
    why: 'You receive this because you work on the Hifazat console. Urgent notices cannot be muted; others can be muted on your notifications page.',
  },
  ur: {
    danger_report: { subject: 'حفاظت: ایک فوری رپورٹ منتظر ہے', line: 'حفاظت میں ایک فوری رپورٹ آپ کی منتظر ہے۔' },
    triage_due: {
      subject: 'حفاظت: جانچ کا وقت 30 منٹ میں ختم ہو رہا ہے',
      line: 'حفاظت میں ایک کیس ابھی جانچا نہیں گیا اور اس کا وقت 30 منٹ میں ختم ہو رہا ہے۔',
    },
    reporter_reply: { subject: 'حفاظت: رپورٹ کرنے والے نے جواب دیا ہے', line: 'حفاظت میں ایک کیس پر رپورٹ کرنے والے نے پیغام لکھا ہے۔' },
    closure_request: {
      subject: 'حفاظت: کیس بند کرنے کی درخواست منظوری کی منتظر ہے',
      line: 'حفاظت میں ایک کیس بند کرنے کی درخواست کسی نگران کی منظوری کی منتظر ہے۔',
    },
    referral_follow_up: { subject: 'حفاظت: حوالگی کی پیروی آج ہے', line: 'حفاظت میں ایک حوالگی کی پیروی آج کرنی ہے۔' },
    signIn: 'دیکھنے کے لیے کنسول میں سائن ان کریں:',
    why: 'یہ پیغام آپ کو اس لیے ملا ہے کہ آپ حفاظت کنسول پر کام کرتے ہیں۔ فوری اطلاعات بند نہیں کی جا سکتیں؛ باقی اطلاعات آپ اپنے اطلاعات کے صفحے پر بند کر سکتے ہیں۔',
  },
};

/** A notification as sent: its subject and plain text, in one language; `signInUrl` is the console's sign-in page. */
export function notificationMessage(kind: NotificationKind, language: Language, signInUrl: string): { subject: string; text: string } {
  const t = texts[language];
  return { subject: t[kind].subject, text: `${t[kind].line}\n\n${t.signIn}\n${signInUrl}\n\n${t.why}\n` };
}
