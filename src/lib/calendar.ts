/**
 * Calendar checks shared by the protocol client (before it sends) and the simulator (as WeChat
 * refuses): `Date.parse` silently rolls 2024-02-30 over to 1 March, WeChat answers PARAM_ERROR.
 */

/** A real calendar day (month 1–12, day within that month of that year). */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** `YYYY-MM-DD` naming a day that exists. */
export function isCalendarDay(s: string): boolean {
  const m = DAY.exec(s);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** An RFC 3339 date-time (`2018-06-08T10:34:56+08:00`) whose date and time fields all exist. */
export function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec, oh = '0', om = '0'] = m.slice(1);
  return isCalendarDate(Number(y), Number(mo), Number(d)) && Number(h) <= 23 && Number(mi) <= 59 && Number(sec) <= 59 && Number(oh) <= 23 && Number(om) <= 59;
}
