// Numbers for people: as the engine's explanations print them (mirrors app/engine/mathfmt.py
// Fmt.number), in short for the labs' charts, and read back from what a person typed.

const MINUS = "\u2212";

/** A value for display: "" for null (not computed yet), never "0". */
export function formatNumber(v, precision) {
  if (v === null || v === undefined) return "";
  if (!Number.isFinite(v)) return v > 0 ? "∞" : v < 0 ? `${MINUS}∞` : "NaN";
  const a = Math.abs(v);
  let s;
  if (Number.isInteger(v) && a < 1e6) {
    s = String(v === 0 ? 0 : v);
  } else if (a !== 0 && (a < 10 ** -precision || a >= 1e6)) {
    const [mant, exp] = v.toExponential(Math.max(precision - 1, 1)).split("e");
    const e = Number(exp);
    s = `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
  } else {
    s = v.toFixed(precision);
  }
  return s.replaceAll("-", MINUS);
}

/** A signed value: "+0.4000" or "−0.6000", so the sign never depends on colour alone. */
export function formatSigned(v, precision) {
  const s = formatNumber(v, precision);
  if (s === "" || s.startsWith(MINUS)) return s;
  return `+${s}`;
}

/** "−7.3%" from a relative change. */
export function formatPercent(ratio) {
  if (ratio === null || ratio === undefined) return "";
  const pct = ratio * 100;
  const digits = Math.abs(pct) < 0.1 && pct !== 0 ? 3 : 1;
  const s = pct.toFixed(digits);
  return `${pct > 0 ? "+" : ""}${s.replaceAll("-", MINUS)}%`;
}

/** Parse what a person typed: accepts − and , as in printed numbers; NaN when it is not one. */
export function parseNumber(text) {
  const cleaned = String(text).trim().replaceAll(MINUS, "-").replaceAll("\u2009", "").replace(",", ".");
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(cleaned)) return Number.NaN;
  return Number(cleaned);
}

/**
 * A number in a few significant digits, for the labs' charts and tables: "—" when missing,
 * exponents ("1.2e-7") below 0.001 and from 100,000, else as short as it reads ("0.25").
 */
export function formatSignificant(v, digits = 4) {
  if (v === null || v === undefined) return "—";
  if (v === 0) return "0";
  const a = Math.abs(v);
  const s = a >= 1e5 || a < 1e-3 ? v.toExponential(Math.max(1, digits - 2)) : Number(v.toPrecision(digits)).toString();
  return s.replace(/-/g, "−"); // a true minus, as everywhere else on the page
}
