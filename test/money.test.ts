import { describe, expect, it } from 'vitest';
import { formatMoney, parseMoney, parseMoneyValue } from '../compiler/money.js';

describe('exact money', () => {
  it('reads decimal text into integer micro-units', () => {
    expect(parseMoney('0.0125')).toEqual({ ok: true, micros: 12_500 });
    expect(parseMoney('12')).toEqual({ ok: true, micros: 12_000_000 });
    expect(parseMoney('-0.5')).toEqual({ ok: true, micros: -500_000 });
    expect(parseMoney('0.1234560000')).toEqual({ ok: true, micros: 123_456 });
  });

  it('refuses a seventh significant decimal instead of rounding it', () => {
    const r = parseMoney('0.0000001');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/more than 6 decimal places/);
  });

  it('refuses text that is not a decimal', () => {
    expect(parseMoney('0,12x').ok).toBe(false);
    expect(parseMoney('').ok).toBe(false);
    expect(parseMoney('1e-3').ok).toBe(false);
  });

  it('reads a bare number by the literal the operator typed, not its binary float', () => {
    expect(parseMoneyValue(0.1, '0.1')).toEqual({ ok: true, micros: 100_000 });
    expect(parseMoneyValue(0.0125)).toEqual({ ok: true, micros: 12_500 });
    expect(parseMoneyValue(1.5e-3, '1.5e-3')).toEqual({ ok: true, micros: 1_500 });
  });

  it('exposes a computed float that has no exact decimal of six places', () => {
    expect(parseMoneyValue(0.1 + 0.2).ok).toBe(false);
  });

  it('formats micro-units back to canonical text', () => {
    expect(formatMoney(12_500)).toBe('0.0125');
    expect(formatMoney(-500_000)).toBe('-0.5');
    expect(formatMoney(3_000_000)).toBe('3');
  });
});
