import { isUUID } from 'class-validator';
import { resolutionEventId } from './resolution-event-id';

describe('resolutionEventId (issue 14: a resolution republished under its original id)', () => {
  const ticket = '0b8f6b0e-5d0c-4c55-9b5a-1d1b6a3a2f10';
  const at = new Date('2026-12-01T08:30:00.123Z');

  it('is the same uuid for the same resolution, every time', () => {
    expect(resolutionEventId(ticket, at)).toBe(resolutionEventId(ticket, new Date(at.getTime())));
    expect(isUUID(resolutionEventId(ticket, at))).toBe(true);
    expect(resolutionEventId(ticket, at)[14]).toBe('8'); // RFC 9562 version 8 (name-based, SHA-256)
  });

  it('differs for another resolution of the ticket and for another ticket', () => {
    expect(resolutionEventId(ticket, new Date(at.getTime() + 1))).not.toBe(resolutionEventId(ticket, at));
    expect(resolutionEventId('0b8f6b0e-5d0c-4c55-9b5a-1d1b6a3a2f11', at)).not.toBe(
      resolutionEventId(ticket, at),
    );
  });
});
