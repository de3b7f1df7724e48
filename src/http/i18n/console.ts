import type { Language } from '../../domain/report.ts';
import { consoleEn, type ConsoleMessages } from './console-en.ts';
import { consoleUr } from './console-ur.ts';

export type { ConsoleMessages };
export const consoleMessages: Record<Language, ConsoleMessages> = { en: consoleEn, ur: consoleUr };
