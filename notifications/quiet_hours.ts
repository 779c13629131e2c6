/**
 * Quiet hours in the shop's time: from `start` o'clock to `end` o'clock
 * (22 to 8 by default, across midnight when start > end; start = end means
 * none). A push due inside them waits for their end.
 */

const hourMinute = new Map<string, Intl.DateTimeFormat>();

/** The local hour and minute of `at` in `timezone`. */
function localTime(at: Date, timezone: string): { hour: number; minute: number; second: number } {
  let format = hourMinute.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", {
      timeZone: timezone,
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    hourMinute.set(timezone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return { hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second) };
}

/**
 * When the quiet hours that `at` falls in end, or null when it falls outside them. (On the
 * night a clock changes, the end can be an hour off: the push is then an hour early or late.)
 */
export function quietUntil(at: Date, timezone: string, start: number, end: number): Date | null {
  if (start === end) return null;
  const { hour, minute, second } = localTime(at, timezone);
  const quiet = start < end ? hour >= start && hour < end : hour >= start || hour < end;
  if (!quiet) return null;
  const nowSeconds = hour * 3600 + minute * 60 + second;
  const waitSeconds = (end * 3600 - nowSeconds + 86_400) % 86_400;
  return new Date(at.getTime() + waitSeconds * 1000);
}
