/** Minimal structured logger passes and plugins write to. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** Logger writing to stderr (so stdout stays clean for data), filtered by level. */
export function createConsoleLogger(
  level: LogLevel = 'info',
  stream: NodeJS.WritableStream = process.stderr,
): Logger {
  const emit = (l: LogLevel, m: string): void => {
    if (ORDER[l] >= ORDER[level]) stream.write(`${l === 'info' ? '' : `${l}: `}${m}\n`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
  };
}

export interface LogRecord {
  level: Exclude<LogLevel, 'silent'>;
  message: string;
}

/** Logger that keeps every record (tests, reports). */
export class MemoryLogger implements Logger {
  readonly records: LogRecord[] = [];
  debug(message: string): void {
    this.records.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.records.push({ level: 'info', message });
  }
  warn(message: string): void {
    this.records.push({ level: 'warn', message });
  }
  error(message: string): void {
    this.records.push({ level: 'error', message });
  }
  messages(level?: LogRecord['level']): string[] {
    return this.records
      .filter((r) => level === undefined || r.level === level)
      .map((r) => r.message);
  }
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
