import type { agencyKinds, firStatuses } from '../../domain/classification.ts';
import { defaultPeriodDays, maxPeriodDays, type triageGroups } from '../../domain/dashboard.ts';
import type { consoleDashboardEn } from './console-dashboard-en.ts';
import type { Labels, Widen } from './en.ts';

/** The supervisor's dashboard in Urdu (the `dashboard` section of console-ur.ts). */
export const consoleDashboardUr: Widen<typeof consoleDashboardEn> = {
  nav: 'ڈیش بورڈ',
  title: 'ہم اپنے وعدے کیسے نبھاتے ہیں',
  intro: `ابتدائی جانچ میں لگا وقت، حوالگیاں اور ان کا نتیجہ، ایف آئی آر، رپورٹ کرنے والوں کو جواب اور بند کیس، ایک مدت کے لیے (پاکستانی وقت؛ پہلے سے آخری ${defaultPeriodDays} دن، زیادہ سے زیادہ ${maxPeriodDays} دن) اور تمام صوبوں یا ایک صوبے کے لیے۔ یہاں صرف اعداد ہیں: کسی کیس کا نام نہیں۔`,
  filter: 'مدت اور صوبہ',
  from: 'سے',
  to: 'تک',
  province: 'صوبہ',
  all: 'تمام صوبے',
  apply: 'دکھائیں',
  showing: (period: string, province: string) => `دکھایا جا رہا ہے: ${period}، ${province}۔`,
  period: (from: string, to: string) => `${from} سے ${to} تک`,
  export: 'یہ اعداد ڈاؤن لوڈ کریں (سی ایس وی)',
  exportNote:
    'ایک فائل جس میں اسی مدت اور صوبے کے لیے اس صفحے کا ہر عدد ہے، ہر سطر میں ایک عدد: جدول، اس کی قطار، عدد کا نام، اس کی قدر اور اکائی (گنتی، فیصد یا گھنٹے)۔ کوئی بھی جدول بنانے کے لیے اسپریڈشیٹ کا فلٹر یا پیوٹ ٹیبل استعمال کریں۔',
  notKnown: 'معلوم نہیں',
  none: '–',
  duration: { hours: (n: string) => `${n} گھنٹے`, minutes: (n: string) => `${n} منٹ`, under: 'ایک منٹ سے کم' },
  triage: {
    heading: 'ابتدائی جانچ میں لگا وقت',
    about: (danger: string, other: string) =>
      `وہ کیس جن کی پہلی رپورٹ اس مدت میں آئی۔ ابتدائی جانچ کیس کی کسی بھی رپورٹ کی پہلی درجہ بندی ہے؛ ہدف ${danger} گھنٹے ہے جب بچہ اس وقت خطرے میں ہو، ورنہ ${other} گھنٹے۔ ہدف کے اندر کا تناسب ان کیسوں میں سے وقت پر جانچے گئے کیس گنتا ہے جو جانچے جا چکے یا ہدف گزرنے کے بعد بھی منتظر ہیں؛ جن کا ہدف ابھی باقی ہے، اور جو جانچ کے بغیر بند ہوئے، الگ گنے جاتے ہیں۔ درمیانی قدر اور نوے فیصد کی حد جانچے گئے کیسوں کی ہیں۔`,
    caption: 'ابتدائی جانچ میں لگا وقت، فوری ضرورت کے لحاظ سے',
    byProvinceCaption: 'ابتدائی جانچ میں لگا وقت، صوبے کے لحاظ سے',
    group: 'فوری ضرورت',
    groups: { all: 'تمام کیس', danger: 'بچہ اس وقت خطرے میں', other: 'باقی' } satisfies Labels<typeof triageGroups>,
    columns: {
      cases: 'کیس',
      inTime: 'وقت پر جانچے گئے',
      late: 'دیر سے جانچے گئے',
      waitingOverdue: 'منتظر، ہدف گزر گیا',
      waiting: 'منتظر، ہدف باقی',
      closedUntriaged: 'جانچ کے بغیر بند',
      withinTarget: 'ہدف کے اندر',
      median: 'درمیانی قدر',
      p90: 'نوے فیصد کی حد',
    },
  },
  replies: {
    heading: 'پہلے جواب میں لگا وقت',
    about:
      'اس مدت میں موصول ہونے والی رپورٹیں، موصولی سے اس پہلے پیغام تک جو عملے نے رپورٹ کے بارے میں رپورٹ کرنے والے کو لکھا۔ جن رپورٹوں کا ابھی جواب نہیں دیا گیا وہ بھی گنی جاتی ہیں۔ رپورٹ کے اپنے صوبے کے لحاظ سے۔',
    caption: 'رپورٹ کرنے والے کو پہلے جواب میں لگا وقت، صوبے کے لحاظ سے',
    columns: {
      reports: 'رپورٹیں',
      answered: 'جواب دیا گیا',
      notAnswered: 'جواب نہیں دیا گیا',
      median: 'درمیانی قدر',
      p90: 'نوے فیصد کی حد',
    },
  },
  referrals: {
    heading: 'حوالگیاں',
    about: 'اس مدت میں کی گئی حوالگیاں (جب وہ کی گئیں)، ادارے کی قسم اور اب درج ایف آئی آر کی حالت کے لحاظ سے۔',
    caption: 'حوالگیاں، ادارے کی قسم اور ایف آئی آر کی حالت کے لحاظ سے',
    kind: 'ادارے کی قسم',
    total: 'کل',
    kinds: {
      police: 'پولیس',
      helpline: 'ہیلپ لائن',
      child_protection: 'تحفظِ اطفال',
      cyber_crime: 'سائبر جرائم',
      foreign_hotline: 'غیر ملکی ہاٹ لائن',
      other: 'دیگر',
    } satisfies Labels<typeof agencyKinds>,
    statuses: {
      registered: 'ایف آئی آر درج ہوئی',
      refused: 'ایف آئی آر سے انکار',
      pending: 'ایف آئی آر زیر التوا',
      not_applicable: 'ایف آئی آر کی ضرورت نہیں',
    } satisfies Labels<typeof firStatuses>,
  },
  fir: {
    heading: 'ضلع کے لحاظ سے ایف آئی آر',
    about:
      'اس مدت میں کی گئی وہ حوالگیاں جن کی ایف آئی آر درج ہوئی، جس سے انکار ہوا یا جو زیر التوا ہے، اس رپورٹ کے ضلع کے لحاظ سے جس سے کیس کھلا۔',
    caption: 'ضلع کے لحاظ سے ایف آئی آر: درج، انکار اور زیر التوا',
    district: 'ضلع',
    province: 'صوبہ',
    none: 'اس مدت میں کی گئی حوالگیوں میں کوئی ایف آئی آر درج، مسترد یا زیر التوا نہیں۔',
  },
  closures: {
    heading: 'بند کیس',
    about: 'اس مدت میں بند ہونے والے کیس (دوسرے شخص کی منظوری کے بعد)، بتائی گئی وجہ کے لحاظ سے۔',
    caption: 'بند کیس، وجہ کے لحاظ سے',
    reason: 'وجہ',
    cases: 'کیس',
    total: 'کل',
  },
  problems: {
    invalid_date: 'تاریخ سال-مہینہ-دن کی صورت میں لکھیں۔',
    future_date: 'ایسی تاریخ لکھیں جو آنے والے دنوں کی نہ ہو۔',
    period_order: 'مدت کا اختتام اس کے آغاز سے پہلے نہیں ہو سکتا۔',
    period_too_long: `مدت زیادہ سے زیادہ ${maxPeriodDays} دن ہو سکتی ہے۔`,
    invalid_choice: 'فہرست میں سے کوئی صوبہ چنیں۔',
  },
};
