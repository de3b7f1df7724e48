import type { closureReasons } from '../../domain/case.ts';
import type { agencyKinds } from '../../domain/classification.ts';
import { legacyReceiptLength, receiptLength } from '../../domain/receipt.ts';
import {
  maxUrlsPerReport,
  type abuserRelationships,
  type ageBands,
  type areas,
  type childSexes,
  type datePrecisions,
  type places,
  type policeStatuses,
  type provinces,
  type reportKinds,
  type reporterRelationships,
} from '../../domain/report.ts';
import { statisticsEn } from './statistics-en.ts';

/**
 * English interface text. Reporter-facing words are plain, at a primary-school reading level,
 * and never suggest blame (see ../shared/context/language.md). ur.ts must have the same shape.
 */
export const en = {
  dir: 'ltr',
  siteName: 'Hifazat',
  tagline: 'Report child sexual abuse safely, without giving your name.',
  skipToContent: 'Skip to main content',
  otherLanguage: 'اردو',
  otherLanguageLabel: 'Read this page in Urdu',
  nav: { label: 'Main', home: 'Home', report: 'Make a report', followUp: 'Check progress' },
  emergency: {
    question: 'Is a child in danger right now?',
    action: 'Call 15 (police emergency) now.',
    after: 'You can still make a report here afterwards.',
  },
  helplines: {
    heading: 'Helplines',
    items: [
      { number: '15', name: 'Police emergency', what: 'A child is in danger right now.' },
      { number: '1099', name: 'Zainab Alert (ZARRA) helpline', what: 'A child is missing or has been taken.' },
      { number: '1121', name: 'Child Protection and Welfare Bureau (Punjab)', what: 'Rescue and care for a child.' },
      { number: '1098', name: 'Madadgaar helpline', what: 'Help and advice for women and children.' },
    ],
  },
  footer: {
    privacy: 'We do not record your IP address or device. Reports are encrypted.',
  },
  landing: {
    title: 'Report child sexual abuse safely',
    intro:
      'Hifazat is a helpline where anyone can report child sexual abuse, or sexual pictures and videos of children online. You do not have to give your name. Trained staff read every report and pass it to the police or child protection services who can act.',
    reportButton: 'Make a report',
    followUpButton: 'Check progress of a report',
    howHeading: 'How to report',
    howSteps: [
      'Choose what you want to report: something you saw online, or harm to a child.',
      'Give us the link, or tell us in your own words what happened. That is all we need.',
      'You will get a receipt code. Write it down and keep it secret. Then, if you want, add details that help us act.',
    ],
    nextHeading: 'What happens next',
    nextSteps: [
      'A trained member of staff reads your report, usually within a day. Reports about a child in danger are read first.',
      'They may send it to the police, the cyber crime agency (NCCIA) or a child protection bureau, and ask for material online to be removed.',
      'With your receipt code you can come back here, see what is happening, and answer any questions we ask.',
    ],
    privacyHeading: 'Your privacy',
    privacyPoints: [
      'You do not need to give your name, phone number or email.',
      'We do not record your IP address, your phone or your browser.',
      'What you write is stored encrypted. Only trained staff can read it.',
      'If you give contact details, only the staff handling your report will see them, and only to reach you.',
    ],
  },
  report: {
    title: 'Make a report',
    choiceHeading: 'What do you want to report?',
    choiceIntro: 'Choose one. It takes about a minute, and you do not have to give your name.',
    kindChoices: {
      online_material: {
        title: 'Pictures, videos or links of a child online',
        text: 'Sexual pictures or videos of a child on a website or app. You give us the link.',
      },
      abuse: {
        title: 'A child being sexually abused',
        text: 'In person or online, for example grooming or blackmail. You tell us what happened.',
      },
    } satisfies Record<(typeof reportKinds)[number], { title: string; text: string }>,
    stepHeadings: {
      online_material: 'Pictures or videos of a child online',
      abuse: 'A child being sexually abused',
    } satisfies Labels<typeof reportKinds>,
    stepIntro: 'This is all we need. You can add details after sending.',
    doNotShare: 'Do not download or share it. The link is enough.',
    switchKind: {
      online_material: 'Report a child being abused instead',
      abuse: 'Report pictures or videos online instead',
    } satisfies Labels<typeof reportKinds>,
    intro: 'Answer what you can. Only the questions marked "required" must be answered.',
    required: 'required',
    optional: 'optional',
    kindLegend: 'What do you want to report?',
    kinds: {
      online_material: 'Sexual pictures, videos or links of a child online',
      abuse: 'A child being sexually abused, in person or online (for example grooming or blackmail)',
    } satisfies Labels<typeof reportKinds>,
    material: {
      legend: 'The material online',
      doNot: 'Do not download, screenshot or share it.',
      doNotWhy:
        'Please do not save or send the pictures or videos to anyone, not even to us. This stops them spreading further, and having them can be a crime. A link is all we need.',
      urlsLabel: 'Link (web address)',
      urlsHint: 'Copy the whole address from your browser or app.',
      urlLabel: (n: number) => `Link ${n}`,
      addUrl: 'Add another link',
      siteLabel: 'Where did you see it?',
      siteHint: 'The website or app, for example Facebook, WhatsApp, TikTok, Telegram.',
      descriptionLabel: 'Anything else we should know',
    },
    abuse: {
      legend: 'What happened',
      descriptionLabel: 'What happened?',
      descriptionHint: 'Write in Urdu, Roman Urdu or English.',
      occurredOnLabel: 'When did it happen?',
      occurredOnHint: 'If you are not sure of the day, choose a date close to it and say how sure you are.',
      precisionLabel: 'How sure are you of the date?',
      precisions: { day: 'This exact day', month: 'Around this month', year: 'Around this year' } satisfies Labels<typeof datePrecisions>,
      provinceLabel: 'Province or territory',
      districtLabel: 'District',
      districtHint: 'Choose from the list or type the name.',
      areaLabel: 'Is it a city or a village?',
      childLegend: 'About the child',
      ageLabel: "Child's age",
      sexLabel: 'The child is a',
      abuserLabel: 'Who is the suspected person to the child?',
      placeLabel: 'Where did it happen?',
      dangerLabel: 'Is the child in danger right now?',
      dangerNow: 'If the child is in danger right now, call 15 first.',
      policeLabel: 'Have the police been told?',
    },
    reporter: {
      legend: 'About you',
      relationshipLabel: 'Who are you to the child?',
      contactLegend: 'Contact details (optional)',
      contactWho:
        'You do not have to give these. If you do, only the staff handling your report will see them, and only to contact you about it. They are stored encrypted.',
      nameLabel: 'Name',
      phoneLabel: 'Phone number',
      emailLabel: 'Email',
      consentLabel: 'You may contact me about this report.',
    },
    choices: {
      unknown: "I don't know",
      notSelected: 'Choose…',
      yes: 'Yes',
      no: 'No',
      provinces: {
        punjab: 'Punjab',
        sindh: 'Sindh',
        kp: 'Khyber Pakhtunkhwa',
        balochistan: 'Balochistan',
        ict: 'Islamabad Capital Territory',
        ajk: 'Azad Jammu and Kashmir',
        gb: 'Gilgit-Baltistan',
      } satisfies Labels<typeof provinces>,
      areas: { urban: 'City or town', rural: 'Village or countryside' } satisfies Labels<typeof areas>,
      ageBands: { '0-5': '0 to 5 years', '6-10': '6 to 10 years', '11-15': '11 to 15 years', '16-17': '16 or 17 years' } satisfies Labels<
        typeof ageBands
      >,
      childSexes: { girl: 'Girl', boy: 'Boy' } satisfies Labels<typeof childSexes>,
      abuserRelationships: {
        family_member: 'Family member',
        relative: 'Relative',
        acquaintance: 'Someone the child knows',
        neighbour: 'Neighbour',
        teacher: 'Teacher',
        cleric: 'Religious teacher',
        shopkeeper: 'Shopkeeper',
        driver: 'Driver',
        service_provider: 'Someone who works for the family',
        stranger: 'Stranger',
        online_contact: 'Someone met online',
      } satisfies Labels<typeof abuserRelationships>,
      places: {
        victim_home: "The child's home",
        abuser_place: "The suspected person's place",
        street: 'Street',
        field: 'Field or open ground',
        place_of_worship: 'Mosque or place of worship',
        school: 'School or madrasa',
        online: 'Online',
        other: 'Somewhere else',
      } satisfies Labels<typeof places>,
      policeStatuses: {
        registered: 'Yes, an FIR was registered',
        refused: 'The police refused to register an FIR',
        not_yet: 'Not yet',
      } satisfies Labels<typeof policeStatuses>,
      reporterRelationships: {
        self: 'I am the child / this happened to me',
        parent: 'Parent',
        relative: 'Relative',
        teacher: 'Teacher',
        neighbour: 'Neighbour',
        other: 'Someone else',
      } satisfies Labels<typeof reporterRelationships>,
    },
    submit: 'Send report',
    errorSummary: 'Please check these answers',
    errorCount: (n: number) => (n === 1 ? 'There is 1 answer to check.' : `There are ${n} answers to check.`),
    powLabel: 'Checking that you are a person (this happens automatically)',
  },
  problems: {
    required: 'Please answer this.',
    invalid: 'This answer is not valid.',
    invalid_choice: 'Please choose one of the options.',
    too_long: 'This is too long. Please shorten it.',
    control_characters: 'This has hidden control characters. Please type it again.',
    invalid_date: 'Please give a real date.',
    future_date: 'This date is in the future.',
    invalid_url: 'This is not a web address. Please paste the whole address from your browser or app, such as https://example.com/page',
    unsupported_scheme: 'Only web addresses starting with http:// or https:// can be reported here.',
    too_many_urls: `Please give at most ${maxUrlsPerReport} links in one report.`,
    url_required: 'Please give at least one link.',
    description_required: 'Please tell us what happened.',
    invalid_phone: 'Please check the phone number, for example 0300 1234567.',
    invalid_email: 'Please check the email address.',
    consent_required: 'Tick this box if we may contact you, or remove your contact details.',
    contact_way_required: 'To be contacted, please give a phone number or an email.',
    unknown_field: 'This field is not part of the form.',
    receipt_format: `A receipt code has ${receiptLength} digits (older codes have ${legacyReceiptLength}). Please check it.`,
    receipt_mistyped: 'One of the digits seems wrong. Please check the code again.',
    message_required: 'Please write a message.',
  },
  receipt: {
    title: 'Thank you. Your report has been received.',
    codeLabel: 'Your receipt code',
    keepSecret: 'Keep this code secret.',
    advice: [
      'Write it down now, or save it. It is shown only once and we cannot show it again.',
      'With this code you can check progress and answer our questions. Anyone who has it can read the messages, so do not share it.',
    ],
    saveHeading: 'Save the code',
    print: 'Print this page',
    download: 'Save as a note',
    noteTitle: 'Reference number',
    followUpLink: 'Check progress later',
    dangerReminder: 'You said the child may be in danger now. Call 15 now if you have not already.',
    confirmHeading: 'Check that you kept the code (optional)',
    confirmLabel: 'From where you wrote or saved it, type the last four digits of the code',
    confirmSubmit: 'Check',
    confirmed: 'That matches. Keep the code somewhere safe.',
    notConfirmed: 'That is not the end of your code. Please look at the code above again and write it down.',
    detailsHeading: 'Add details that help us act (optional)',
    detailsText: "When and where it happened, the child's age, who the suspected person is, and a way to reach you if you want.",
    detailsWindow: (minutes: number) =>
      `Each question is optional, and it is fine to skip this. You can add details here for ${minutes} minutes.`,
    detailsButton: 'Add details',
  },
  details: {
    title: 'Add details to your report',
    intro: 'Every question is optional. Answer only what you know; "I don\'t know" is fine.',
    moreLabel: 'Anything else we should know',
    submit: 'Add these details',
    skip: 'Skip: my report is complete',
    addedTitle: 'Thank you. The details were added to your report.',
    addedText: 'Use your receipt code to check progress and to read and answer our messages.',
    expiredTitle: 'This form can no longer be used',
    expiredText:
      'The form to add details works once, for a short time after a report. Your report is safe. To tell us more, write to us with your receipt code on the "Check progress" page.',
  },
  followUp: {
    title: 'Check progress',
    intro: 'Enter the receipt code you got when you made your report.',
    receiptLabel: 'Receipt code',
    receiptHint: `${receiptLength} digits (older codes: ${legacyReceiptLength}). Spaces do not matter.`,
    submit: 'Check',
    statusHeading: 'Status',
    /** What staff did (domain/reporter-status.ts), each with its date, then when to check again. */
    stages: {
      received: (date: string) => `Received on ${date}. Your report is waiting to be read by a member of staff.`,
      read: (date: string) => `Read by a member of staff on ${date}.`,
      written_to_you: (date: string) => `A member of staff wrote to you on ${date}.`,
      referred: (organisation: string, date: string) => `Passed on to ${organisation} on ${date}, so that they can act.`,
      reopened: (date: string) => `Your message of ${date} opened this report again. A member of staff will read it.`,
      closed: (date: string) => `Closed on ${date}.`,
    },
    referredElsewhere: 'Passed on to a service that can act.',
    organisations: {
      police: 'the police',
      child_protection: 'a child protection bureau',
      cyber_crime: 'the cyber crime agency (NCCIA)',
      helpline: 'a helpline',
      foreign_hotline: 'a hotline in another country',
      other: 'another service that can help',
    } satisfies Labels<typeof agencyKinds>,
    closedMeaning: {
      actioned: 'We acted on what you told us, and our work on your report has finished.',
      no_further_action: 'We looked at your report carefully. There was nothing more we could do about it.',
      duplicate: 'Someone had told us about the same thing. Your report was joined with theirs, so that both are dealt with together.',
      unfounded:
        'We looked at your report carefully and did not find something we could act on. Thank you for telling us: it was right to report.',
    } satisfies Labels<typeof closureReasons>,
    checkAgain: (days: number) => `Please check again in ${days} days.`,
    answerBelow: 'Please read the message below. You can answer in the box under the messages.',
    closedAdvice:
      'There is nothing more to check. You can still write to us below: your message opens the report again, and a member of staff will read it.',
    receivedOn: 'Report received on',
    threadHeading: 'Messages',
    noMessages: 'There are no messages yet.',
    fromStaff: 'Hifazat staff',
    fromYou: 'You',
    replyLabel: 'Write a message or add information',
    replySubmit: 'Send message',
    sent: 'Your message has been sent.',
    unknownReceipt: 'We could not find a report with this code. Please check it and try again.',
    tooManyAttempts: 'There have been too many attempts. Please wait a few minutes and try again.',
  },
  statistics: statisticsEn,
  errors: {
    notFoundTitle: 'Page not found',
    notFound: 'This page does not exist.',
    tooManyTitle: 'Please wait',
    tooMany: 'There have been too many requests. Please wait a few minutes and try again. Nothing you typed has been sent yet.',
    badRequestTitle: 'Something was wrong with the request',
    badRequest: 'The page could not understand what was sent. Please go back and try again.',
    serverTitle: 'Something went wrong',
    server: 'Something went wrong on our side. Your report may not have been sent. Please try again in a few minutes.',
    backHome: 'Go to the home page',
  },
};

/** A catalogue's shape with every text widened to string, so that another language can fill it. */
export type Widen<T> = T extends string
  ? string
  : T extends (...args: infer A) => string
    ? (...args: A) => string
    : T extends readonly (infer U)[]
      ? readonly Widen<U>[]
      : { readonly [K in keyof T]: Widen<T[K]> };

/**
 * Words for every value of a domain enumeration: a value added there fails to compile until each
 * language has words for it, and a value removed there until its words go.
 */
export type Labels<Values extends readonly string[]> = Record<Values[number], string>;

export type Messages = Widen<typeof en>;
