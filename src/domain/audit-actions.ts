/**
 * Every action the audit log records, and nothing else: an auditor reads the log by these names,
 * so a new kind of change adds its name here, with what it records. The entry's details hold
 * identifiers, settings and counts, never what a reporter wrote, a secret or an image's hash.
 */
export const auditActions = [
  // Staff accounts and sessions (services/staff.ts)
  /** An administrator (or the command line) invited a person, with their role. */
  'staff.invite',
  /** An invited person set their password and second factor. */
  'staff.enrol',
  /** An administrator (or the command line) disabled an account, with its id and email; its sessions ended with it. */
  'staff.disable',
  /** An administrator (or the command line) enabled a disabled account again, with its id and email. */
  'staff.enable',
  /** An administrator (or the command line) changed an account's role, with its id, email, old and new role. */
  'staff.role',
  /**
   * An administrator (or the command line) reset an account to enrol again (password, second factor and recovery
   * codes removed, a new enrolment link issued), with its id, email and how many sessions ended.
   */
  'staff.reset',
  /** An administrator (or the command line) cancelled an invitation not yet taken up, with the account's id and email. */
  'staff.cancel',
  /** One session of an account was ended by its owner or an administrator, with the account's id. */
  'session.revoke',
  /** An administrator (or the command line) ended every session of an account, with its id, email and how many. */
  'sessions.revoke',
  /** A member of staff ended all their sessions but the one they were using, with how many. */
  'sign_out.others',
  /** A member of staff changed their password, with how many of their other sessions ended. */
  'password.change',
  /** A member of staff gave their password and second factor again for a sensitive action, with the factor used. */
  'reauthenticate',
  /** A re-authentication was refused. */
  'reauthenticate.failed',
  /** A member of staff signed in, with the second factor used. */
  'sign_in',
  /** A sign-in was refused, under the account name as typed. */
  'sign_in.failed',
  /** A member of staff signed out of one session. */
  'sign_out',
  /** A member of staff ended all their sessions. */
  'sign_out.everywhere',
  /** An administrator changed a setting, with its old and new value. */
  'setting.change',

  // Cases and reports (services/cases)
  /** A case file was opened. */
  'case.view',
  /** A case was assigned (or taken, or unassigned), with who had it before. */
  'case.assign',
  /** A case moved from one state to another. */
  'case.state',
  /** Another case was merged into this one as a duplicate, with how many reports moved. */
  'case.link',
  /** An analyst asked to close a case, with the reason. */
  'case.closure_request',
  /** A supervisor closed a case. */
  'case.close',
  /** A supervisor refused a request to close a case. */
  'case.closure_reject',
  /**
   * A closed case was opened again (back in progress, its closure cleared), by the system, with the reason:
   * 'reporter_message' when its reporter wrote to it (services/follow-up.ts).
   */
  'case.reopen',
  /**
   * What is recorded of ZARRA on a case changed (1099 notified, its reference; FIR registered, its number), with each
   * changed field from and to (services/cases/zarra.ts).
   */
  'case.zarra',
  /** A report's content was shown to a member of staff. */
  'report.view',
  /** A report was classified, with the category. */
  'report.classify',
  /** A member of staff filed a report taken by phone or in person, with the channel. */
  'report.file',
  /** A reported URL was copied to the clipboard, with its position in the report. */
  'url.copy',
  /** A reported URL was classified, with its position and category. */
  'url.classify',
  /** A reporter's contact details were revealed. */
  'contact.reveal',
  /** A note was added to a case. */
  'note.add',
  /** A task was added to a case, with its due date. */
  'task.add',
  /** A task of a case was completed. */
  'task.complete',
  /** A case was referred to an agency. */
  'referral.add',
  /**
   * A referral was followed up, with the fields that changed, its new FIR status and its follow-up date
   * from and to (null: none); a note added to its notes is named, never its text.
   */
  'referral.update',
  /** A message was sent to the reporter. */
  'message.send',
  /** The reporter's unread messages were marked read, with how many. */
  'messages.read',
  /** A case's record (part 'record') or its court-preparation checklist (part 'court_checklist') was shown (services/cases/handover.ts). */
  'case.record_view',
  /**
   * A case's file was exported as a JSON bundle, with the SHA-256 of the bytes sent, the bundle's version, whether the
   * reporter's contact details were in it, and the approved request that allowed them.
   */
  'case.export',
  /** Someone asked that the reporter's contact details go with a case's bundle, with the request and its purpose. */
  'case.contact_request',
  /** A supervisor approved or refused a request for contact details in a bundle, with who had asked. */
  'case.contact_decide',
  /** A court-preparation checklist item was recorded, done or not, and whether a note (encrypted) was given. */
  'case.court_checklist',
  /** Closed cases past retention were purged, with how many cases and reports. */
  'retention.purge',

  // Notifications to staff (services/notifications.ts)
  /** The system stored notifications for events it found, with how many, by kind (never a case or a person). */
  'notification.create',
  /** A supervisor added on-duty shifts for a person, with the person's id, the weekdays, and the start and end time. */
  'rota.add',
  /** A supervisor removed an on-duty shift, with the person's id, its weekday, and its start and end time. */
  'rota.remove',
  /** A member of staff muted or unmuted one of their own non-urgent kinds of notification, with the kind. */
  'notification.mute',
  /** A member of staff chose the language their own notifications are written in, with the language. */
  'notification.language',

  // Backups (services/backup.ts)
  /** The command line took a backup of the whole database, with the engine and schema version. */
  'backup.create',
  /** The command line restored a backup into this database, with the engine, schema and when the backup was taken. */
  'backup.restore',

  // Statistics (services/statistics)
  /** Unpublished tables were exported as CSV, with the filter. */
  'statistics.export',
  /** A statistics release was published, with its period and threshold. */
  'statistics.publish',
  /** The supervisor's dashboard was exported as CSV, with the filter (period and province). */
  'dashboard.export',
  /** A newspaper report was entered. */
  'media.add',
  /** A CSV file of newspaper reports was imported, with counts of rows, imported rows and problems. */
  'media.import',
  /** A newspaper report counted twice was removed. */
  'media.remove',

  // Hash banks and the matching API (services/hash-banks.ts, services/api-keys.ts)
  /** A hash bank was created. */
  'bank.create',
  /** A bank file was imported into a bank, with counts of entries added, already present and refused. */
  'bank.import',
  /** One entry was added to a bank. */
  'bank_entry.add',
  /** An entry was disabled for every key, with the reason. */
  'bank_entry.disable',
  /** A disabled entry was enabled again. */
  'bank_entry.enable',
  /** An API key was created, with its name, banks, scopes and expiry if it has one (never the secret). */
  'api_key.create',
  /** An API key was revoked. */
  'api_key.revoke',
  /** A platform gave feedback on a match with its key, and whether the entry is now hidden from that key. */
  'match.feedback',

  // The data key (services/key-rotation.ts)
  /** A data key rotation began (or resumed), with the new key's id and the old keys' ids. */
  'data_key.rotation_start',
  /** A data key rotation finished: the old keys' ids, now removed, and how many values were re-encrypted, by column. */
  'data_key.rotation_finish',
] as const;

export type AuditAction = (typeof auditActions)[number];
