// format.js: numbers as the engine's explanations print them (app/engine/mathfmt.py Fmt.number).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { formatNumber, formatPercent, formatSignificant, formatSigned, parseNumber } from "../../static/js/format.js";

const MINUS = "\u2212";

describe("formatNumber", () => {
  it("shows nothing for a value not computed yet, never 0", () => {
    assert.equal(formatNumber(null, 4), "");
    assert.equal(formatNumber(undefined, 4), "");
  });

  it("names the non-finite values", () => {
    assert.equal(formatNumber(Number.NaN, 4), "NaN");
    assert.equal(formatNumber(Infinity, 4), "∞");
    assert.equal(formatNumber(-Infinity, 4), `${MINUS}∞`);
  });

  it("shows negative zero as 0", () => {
    assert.equal(formatNumber(-0, 4), "0");
    assert.equal(formatNumber(0, 4), "0");
    assert.equal(formatNumber(-0, 1), "0");
  });

  it("prints whole numbers below a million exactly, whatever the precision", () => {
    assert.equal(formatNumber(3, 4), "3");
    assert.equal(formatNumber(-12, 2), `${MINUS}12`);
    assert.equal(formatNumber(999999, 4), "999999");
  });

  it("prints the precision's decimals in fixed notation", () => {
    assert.equal(formatNumber(0.5, 4), "0.5000");
    assert.equal(formatNumber(-0.25, 2), `${MINUS}0.25`);
    assert.equal(formatNumber(2.125, 1), "2.1");
    assert.equal(formatNumber(1 / 3, 6), "0.333333");
    assert.equal(formatNumber(-2 / 3, 3), `${MINUS}0.667`);
    assert.equal(formatNumber(0.0001, 4), "0.0001", "exactly 10^−precision is still fixed");
  });

  it("switches to exponents below 10^−precision and from a million, with two exponent digits", () => {
    assert.equal(formatNumber(1e6, 4), "1.000e+06");
    assert.equal(formatNumber(-2500000.5, 4), `${MINUS}2.500e+06`);
    assert.equal(formatNumber(0.00004, 4), `4.000e${MINUS}05`);
    assert.equal(formatNumber(-0.00004, 4), `${MINUS}4.000e${MINUS}05`);
    assert.equal(formatNumber(0.0012, 2), `1.2e${MINUS}03`);
    assert.equal(formatNumber(12345678, 1), "1.2e+07", "at least one decimal in the mantissa");
  });

  it("keeps a three-digit exponent whole", () => {
    assert.equal(formatNumber(1.5e300, 4), "1.500e+300");
    assert.equal(formatNumber(1e-120, 3), `1.00e${MINUS}120`);
    assert.equal(formatNumber(Number.MIN_VALUE, 2), `4.9e${MINUS}324`);
  });

  it("uses the true minus sign, never a hyphen, and never shows −0.000…", () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i += 1) {
      const v = (rand() - 0.5) * 10 ** Math.floor(rand() * 16 - 8);
      const p = 1 + Math.floor(rand() * 12);
      const s = formatNumber(v, p);
      assert.ok(!s.includes("-"), `${v} → ${s}`);
      assert.ok(!/^−0(\.0*)?$/.test(s), `${v} → ${s}`);
      assert.equal(s.startsWith(MINUS), v < 0, `${v} → ${s}: the sign survives`);
    }
  });

  it("reads back within half a unit of the last digit shown", () => {
    let seed = 777;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 2000; i += 1) {
      const v = (rand() - 0.5) * 10 ** Math.floor(rand() * 14 - 6);
      const p = 1 + Math.floor(rand() * 10);
      const s = formatNumber(v, p);
      const back = parseNumber(s);
      const exp = s.includes("e");
      const mantissaDigits = Math.max(p - 1, 1);
      const unit = exp ? 10 ** (Math.floor(Math.log10(Math.abs(v))) - mantissaDigits) : 10 ** -p;
      // 1.0001: toExponential may round the mantissa up to the next power of ten
      assert.ok(Math.abs(back - v) <= unit * 0.5 * 1.0001 + 1e-300 || Math.abs(back - v) <= Math.abs(v) * 10 ** -mantissaDigits, `${v} at ${p} → ${s} → ${back}`);
    }
  });
});

describe("formatSigned", () => {
  it("always shows a sign, so it never rests on colour", () => {
    assert.equal(formatSigned(0.4, 4), "+0.4000");
    assert.equal(formatSigned(-0.6, 4), `${MINUS}0.6000`);
    assert.equal(formatSigned(0, 2), "+0");
    assert.equal(formatSigned(-0, 2), "+0");
    assert.equal(formatSigned(2e7, 3), "+2.00e+07");
    assert.equal(formatSigned(Infinity, 3), "+∞");
    assert.equal(formatSigned(-Infinity, 3), `${MINUS}∞`);
  });

  it("shows nothing for a value not computed yet", () => {
    assert.equal(formatSigned(null, 4), "");
    assert.equal(formatSigned(undefined, 4), "");
  });
});

describe("formatPercent", () => {
  it("shows a relative change as a signed percentage with one decimal", () => {
    assert.equal(formatPercent(0.073), "+7.3%");
    assert.equal(formatPercent(-0.073), `${MINUS}7.3%`);
    assert.equal(formatPercent(-1), `${MINUS}100.0%`);
    assert.equal(formatPercent(2.5), "+250.0%");
  });

  it("keeps three decimals for changes under 0.1% so they do not read as none", () => {
    assert.equal(formatPercent(0.0004), "+0.040%");
    assert.equal(formatPercent(-0.00025), `${MINUS}0.025%`);
  });

  it("shows no change, negative zero included, without a sign", () => {
    assert.equal(formatPercent(0), "0.0%");
    assert.equal(formatPercent(-0), "0.0%");
  });

  it("shows nothing when there is no change to show", () => {
    assert.equal(formatPercent(null), "");
    assert.equal(formatPercent(undefined), "");
  });
});

describe("parseNumber", () => {
  it("reads what people type, printed minus and decimal comma included", () => {
    assert.equal(parseNumber("0.25"), 0.25);
    assert.equal(parseNumber(`${MINUS}1.5`), -1.5);
    assert.equal(parseNumber("-1.5"), -1.5);
    assert.equal(parseNumber("+.5"), 0.5);
    assert.equal(parseNumber("3."), 3);
    assert.equal(parseNumber("1,5"), 1.5);
    assert.equal(parseNumber("  2  "), 2);
    assert.equal(parseNumber("1\u2009000"), 1000, "a thin space groups digits");
    assert.equal(parseNumber("1e-3"), 0.001);
    assert.equal(parseNumber(`2.5E${MINUS}2`), 0.025);
    assert.equal(parseNumber(7), 7);
  });

  it("gives NaN for anything that is not one number", () => {
    for (const bad of ["", " ", ".", "-", "abc", "1.2.3", "1,000,5", "0x10", "Infinity", "NaN", "1e", "e5", "--1", "1 2"]) {
      assert.ok(Number.isNaN(parseNumber(bad)), JSON.stringify(bad));
    }
  });

  it("reads back every number formatNumber prints in fixed notation exactly", () => {
    for (const [v, p] of [[0.5, 4], [-0.125, 3], [123.456, 3], [-7, 2]]) assert.equal(parseNumber(formatNumber(v, p)), v);
  });
});

describe("formatSignificant (the labs' charts and tables)", () => {
  it("shows a dash for a missing value and 0 for either zero", () => {
    assert.equal(formatSignificant(null), "—");
    assert.equal(formatSignificant(undefined), "—");
    assert.equal(formatSignificant(0), "0");
    assert.equal(formatSignificant(-0), "0");
  });

  it("rounds to the significant digits asked for, as short as it reads", () => {
    assert.equal(formatSignificant(0.25), "0.25");
    assert.equal(formatSignificant(1 / 3), "0.3333");
    assert.equal(formatSignificant(2 / 3, 3), "0.667");
    assert.equal(formatSignificant(-2.5), "−2.5", "a true minus, as on the rest of the page");
    assert.equal(formatSignificant(1234.5678), "1235");
    assert.equal(formatSignificant(0.001), "0.001", "exactly 0.001 is still plain");
    assert.equal(formatSignificant(99999.5), "100000", "rounding up to 10⁵ stays plain");
  });

  it("switches to exponents below 0.001 and from 100,000, with digits − 2 decimals", () => {
    assert.equal(formatSignificant(123456), "1.23e+5");
    assert.equal(formatSignificant(0.0001234), "1.23e−4");
    assert.equal(formatSignificant(-4.5e-9, 2), "−4.5e−9", "at least one decimal");
    assert.equal(formatSignificant(1e5, 6), "1.0000e+5");
  });
});
