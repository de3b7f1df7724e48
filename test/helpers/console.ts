import { generate } from 'otplib';
import { commandLine } from '../../src/domain/actor.ts';
import { HifazatError } from '../../src/domain/errors.ts';
import type { StaffRole } from '../../src/domain/staff.ts';
import type { TestApp } from './app.ts';
import { formEncode, formHeaders } from './forms.ts';

export interface EnrolledStaff {
  id: string;
  email: string;
  password: string;
  secret: string;
  role: StaffRole;
  recoveryCodes: string[];
}

/** A TOTP code for `secret` at the time `at` (defaults to now). */
export function totp(secret: string, at: Date = new Date()): Promise<string> {
  return generate({ secret, epoch: Math.floor(at.getTime() / 1000) });
}

/** Invites and fully enrols a member of staff through the real enrolment path. */
export async function enrolStaff(t: TestApp, role: StaffRole, at: () => Date = () => new Date()): Promise<EnrolledStaff> {
  const email = `${role}.${Math.random().toString(36).slice(2, 8)}@hotline.example.org`;
  const password = 'river lantern copper meadow';
  const { userId, enrolmentToken } = await t.services.staff.invite(commandLine, { email, displayName: `Test ${role}`, role });
  const { secret } = await t.services.staff.beginEnrolment(enrolmentToken);
  // The code of the step before, so that the first sign-in (this step) is not a replay. If the
  // clock crossed into a new step between making the code and checking it, that code is two
  // steps old: make it again.
  for (let attempt = 1; ; attempt++) {
    try {
      const code = await totp(secret, new Date(at().getTime() - 30_000));
      const { recoveryCodes } = await t.services.staff.completeEnrolment(enrolmentToken, password, code);
      return { id: userId, email, password, secret, role, recoveryCodes };
    } catch (error) {
      if (attempt === 2 || !(error instanceof HifazatError) || error.issues[0]?.problem !== 'code_wrong') throw error;
    }
  }
}

/** A browser's cookie jar, just enough for the console's two cookies. */
export class Browser {
  cookies: Record<string, string> = {};
  /** `remoteAddress`: the client's address as the server sees it (the per-client throttles count by it). */
  constructor(
    private readonly t: TestApp,
    private readonly remoteAddress = '127.0.0.1',
  ) {}

  #remember(setCookie: string | string[] | undefined) {
    for (const line of [setCookie ?? []].flat()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(line) || value === '') delete this.cookies[name];
      else this.cookies[name] = value;
    }
  }

  async get(url: string) {
    const response = await this.t.app.inject({ method: 'GET', url, cookies: this.cookies, remoteAddress: this.remoteAddress });
    this.#remember(response.headers['set-cookie']);
    return response;
  }

  /** The CSRF token of the form on `formPage`, loaded now (so bound to this browser's session, if any). */
  async csrfToken(formPage: string): Promise<string | undefined> {
    return /name="_csrf" value="([^"]+)"/.exec((await this.get(formPage)).body)?.[1];
  }

  /**
   * Posts a form the way a page would: with the CSRF token of a page just loaded from `formPage`.
   * `headers` adds request headers (Origin, Sec-Fetch-Site, Host) to the post.
   */
  async post(
    url: string,
    fields: Record<string, string>,
    options: { formPage?: string; csrf?: boolean; headers?: Record<string, string> } = {},
  ) {
    const token =
      options.csrf === false
        ? undefined
        : await this.csrfToken(options.formPage ?? url.replace(/\/console\/(en|ur)\/.*/, '/console/$1/sign-in'));
    const response = await this.t.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.remoteAddress,
      cookies: this.cookies,
      headers: { ...formHeaders, ...options.headers },
      payload: formEncode({ ...fields, ...(token ? { _csrf: token } : {}) }),
    });
    this.#remember(response.headers['set-cookie']);
    return response;
  }

  async signIn(staff: EnrolledStaff, at: Date = new Date(), lang = 'en') {
    return this.post(`/console/${lang}/sign-in`, { email: staff.email, password: staff.password, code: await totp(staff.secret, at) });
  }
}
