import { applyIntent, EMPTY_POINTS_STATE, expiringSoon, type PointsIntent, type PointsState } from './points-ledger';

const MARCH = '2026-03-31T16:00:00.000Z';
const APRIL = '2026-04-30T16:00:00.000Z';

/** Applies intents one after another, as the server does entry by entry, and keeps every outcome. */
function run(intents: PointsIntent[], from: PointsState = EMPTY_POINTS_STATE) {
  let state = from;
  const outcomes = [];
  for (const intent of intents) {
    const step = applyIntent(state, intent);
    state = step.state;
    outcomes.push(step.outcome);
  }
  return { state, outcomes };
}

function balanced(state: PointsState): void {
  // The balances are always the sums of what they are made of.
  expect(state.available).toBe(state.lots.reduce((sum, lot) => sum + lot.remaining, 0));
  expect(state.pending).toBe(state.held.reduce((sum, held) => sum + held.amount, 0));
}

describe('the points state machine', () => {
  test('earning adds a lot and raises the available balance', () => {
    const { state, outcomes } = run([{ kind: 'earn', entryId: 'e1', amount: 50, expiresAt: MARCH }]);
    expect(state).toEqual({ available: 50, pending: 0, lots: [{ id: 'e1', remaining: 50, expiresAt: MARCH }], held: [] });
    expect(outcomes[0]).toEqual({ amount: 50, pendingAmount: 0, rejected: null, consumed: [] });
  });

  test('lots are spent soonest expiry first, then in earning order, never-expiring last', () => {
    const { state } = run([
      { kind: 'earn', entryId: 'forever', amount: 10, expiresAt: null },
      { kind: 'earn', entryId: 'april', amount: 10, expiresAt: APRIL },
      { kind: 'earn', entryId: 'march-a', amount: 10, expiresAt: MARCH },
      { kind: 'earn', entryId: 'march-b', amount: 10, expiresAt: MARCH },
    ]);
    expect(state.lots.map((lot) => lot.id)).toEqual(['march-a', 'march-b', 'april', 'forever']);
    const spent = applyIntent(state, { kind: 'spend', entryId: 's1', amount: 25 });
    expect(spent.outcome).toEqual({ amount: -25, pendingAmount: 0, rejected: null, consumed: [{ lotId: 'march-a', amount: 10 }, { lotId: 'march-b', amount: 10 }, { lotId: 'april', amount: 5 }] });
    expect(spent.state.lots).toEqual([{ id: 'april', remaining: 5, expiresAt: APRIL }, { id: 'forever', remaining: 10, expiresAt: null }]);
    expect(spent.state.available).toBe(15);
    balanced(spent.state);
  });

  test('spending more than is available is refused and changes nothing', () => {
    const { state } = run([{ kind: 'earn', entryId: 'e1', amount: 30, expiresAt: null }]);
    const refused = applyIntent(state, { kind: 'spend', entryId: 's1', amount: 31 });
    expect(refused.outcome).toEqual({ amount: 0, pendingAmount: 0, rejected: 'insufficient', consumed: [] });
    expect(refused.state).toBe(state);
  });

  test('spending exactly the balance empties every lot', () => {
    const { state, outcomes } = run([
      { kind: 'earn', entryId: 'e1', amount: 30, expiresAt: null },
      { kind: 'spend', entryId: 's1', amount: 30 },
    ]);
    expect(outcomes[1].rejected).toBeNull();
    expect(state).toEqual({ available: 0, pending: 0, lots: [], held: [] });
  });

  test('held points are pending until released, then become a lot with the expiry given at release', () => {
    const held = run([{ kind: 'hold', entryId: 'h1', amount: 20 }]);
    expect(held.state).toEqual({ available: 0, pending: 20, lots: [], held: [{ id: 'h1', amount: 20 }] });
    expect(held.outcomes[0]).toEqual({ amount: 0, pendingAmount: 20, rejected: null, consumed: [] });
    // Pending points cannot be spent.
    expect(applyIntent(held.state, { kind: 'spend', entryId: 's1', amount: 1 }).outcome.rejected).toBe('insufficient');

    const released = applyIntent(held.state, { kind: 'release', entryId: 'r1', heldId: 'h1', expiresAt: APRIL });
    expect(released.outcome).toEqual({ amount: 20, pendingAmount: -20, rejected: null, consumed: [] });
    expect(released.state).toEqual({ available: 20, pending: 0, lots: [{ id: 'h1', remaining: 20, expiresAt: APRIL }], held: [] });
  });

  test('a hold can be cancelled; releasing or cancelling it again is refused as not held', () => {
    const { state, outcomes } = run([
      { kind: 'hold', entryId: 'h1', amount: 20 },
      { kind: 'cancel_hold', entryId: 'c1', heldId: 'h1' },
    ]);
    expect(outcomes[1]).toEqual({ amount: 0, pendingAmount: -20, rejected: null, consumed: [] });
    expect(state).toEqual(EMPTY_POINTS_STATE);
    for (const intent of [
      { kind: 'release', entryId: 'r1', heldId: 'h1', expiresAt: null },
      { kind: 'cancel_hold', entryId: 'c2', heldId: 'h1' },
    ] as PointsIntent[]) {
      const refused = applyIntent(state, intent);
      expect(refused.outcome.rejected).toBe('not_held');
      expect(refused.state).toBe(state);
    }
  });

  test('a released hold cannot be released twice', () => {
    const { state } = run([
      { kind: 'hold', entryId: 'h1', amount: 20 },
      { kind: 'release', entryId: 'r1', heldId: 'h1', expiresAt: null },
    ]);
    const again = applyIntent(state, { kind: 'release', entryId: 'r2', heldId: 'h1', expiresAt: null });
    expect(again.outcome.rejected).toBe('not_held');
    expect(again.state.available).toBe(20);
  });

  test('a clawback of held points removes the hold', () => {
    const { state, outcomes } = run([
      { kind: 'hold', entryId: 'h1', amount: 20 },
      { kind: 'hold', entryId: 'h2', amount: 5 },
      { kind: 'clawback', entryId: 'k1', targetId: 'h1' },
    ]);
    expect(outcomes[2]).toEqual({ amount: 0, pendingAmount: -20, rejected: null, consumed: [] });
    expect(state).toEqual({ available: 0, pending: 5, lots: [], held: [{ id: 'h2', amount: 5 }] });
  });

  test('a clawback of a lot takes only what is left of it', () => {
    const { state, outcomes } = run([
      { kind: 'earn', entryId: 'e1', amount: 30, expiresAt: MARCH },
      { kind: 'earn', entryId: 'e2', amount: 30, expiresAt: APRIL },
      { kind: 'spend', entryId: 's1', amount: 20 },
      { kind: 'clawback', entryId: 'k1', targetId: 'e1' },
    ]);
    expect(outcomes[3]).toEqual({ amount: -10, pendingAmount: 0, rejected: null, consumed: [{ lotId: 'e1', amount: 10 }] });
    expect(state).toEqual({ available: 30, pending: 0, lots: [{ id: 'e2', remaining: 30, expiresAt: APRIL }], held: [] });
  });

  test('a clawback of a spent or unknown entry takes nothing and is not an error', () => {
    const { state } = run([
      { kind: 'earn', entryId: 'e1', amount: 10, expiresAt: null },
      { kind: 'spend', entryId: 's1', amount: 10 },
    ]);
    for (const targetId of ['e1', 'nobody']) {
      const step = applyIntent(state, { kind: 'clawback', entryId: 'k1', targetId });
      expect(step.outcome).toEqual({ amount: 0, pendingAmount: 0, rejected: null, consumed: [] });
      expect(step.state).toBe(state);
    }
  });

  test('expiry removes every lot expired at that instant (inclusive) and keeps the rest and the holds', () => {
    const { state } = run([
      { kind: 'earn', entryId: 'march', amount: 10, expiresAt: MARCH },
      { kind: 'earn', entryId: 'april', amount: 20, expiresAt: APRIL },
      { kind: 'earn', entryId: 'forever', amount: 5, expiresAt: null },
      { kind: 'spend', entryId: 's1', amount: 4 },
      { kind: 'hold', entryId: 'h1', amount: 7 },
    ]);
    const before = applyIntent(state, { kind: 'expire', entryId: 'x0', now: '2026-03-31T15:59:59.999Z' });
    expect(before.outcome).toEqual({ amount: 0, pendingAmount: 0, rejected: null, consumed: [] });

    const expired = applyIntent(state, { kind: 'expire', entryId: 'x1', now: MARCH });
    expect(expired.outcome).toEqual({ amount: -6, pendingAmount: 0, rejected: null, consumed: [{ lotId: 'march', amount: 6 }] });
    expect(expired.state).toEqual({
      available: 25,
      pending: 7,
      lots: [{ id: 'april', remaining: 20, expiresAt: APRIL }, { id: 'forever', remaining: 5, expiresAt: null }],
      held: [{ id: 'h1', amount: 7 }],
    });
    // Expiring again at the same instant takes nothing more: the step is safe to rerun.
    expect(applyIntent(expired.state, { kind: 'expire', entryId: 'x2', now: MARCH }).outcome.amount).toBe(0);
    // Never-expiring points survive any instant.
    expect(applyIntent(expired.state, { kind: 'expire', entryId: 'x3', now: '2099-01-01T00:00:00.000Z' }).state.lots).toEqual([{ id: 'forever', remaining: 5, expiresAt: null }]);
  });

  test('no step mutates the state it was given', () => {
    const start: PointsState = {
      available: 30,
      pending: 5,
      lots: [{ id: 'e1', remaining: 10, expiresAt: MARCH }, { id: 'e2', remaining: 20, expiresAt: null }],
      held: [{ id: 'h1', amount: 5 }],
    };
    const copy = structuredClone(start);
    const intents: PointsIntent[] = [
      { kind: 'earn', entryId: 'e3', amount: 1, expiresAt: APRIL },
      { kind: 'hold', entryId: 'h2', amount: 1 },
      { kind: 'release', entryId: 'r1', heldId: 'h1', expiresAt: null },
      { kind: 'cancel_hold', entryId: 'c1', heldId: 'h1' },
      { kind: 'spend', entryId: 's1', amount: 15 },
      { kind: 'clawback', entryId: 'k1', targetId: 'e1' },
      { kind: 'expire', entryId: 'x1', now: MARCH },
    ];
    for (const intent of intents) {
      balanced(applyIntent(start, intent).state);
      expect(start).toEqual(copy);
    }
  });

  test('expiringSoon groups what expires up to an instant, soonest first', () => {
    const { state } = run([
      { kind: 'earn', entryId: 'a', amount: 10, expiresAt: APRIL },
      { kind: 'earn', entryId: 'b', amount: 3, expiresAt: MARCH },
      { kind: 'earn', entryId: 'c', amount: 4, expiresAt: MARCH },
      { kind: 'earn', entryId: 'd', amount: 9, expiresAt: null },
    ]);
    expect(expiringSoon(state, MARCH)).toEqual([{ expiresAt: MARCH, amount: 7 }]);
    expect(expiringSoon(state, APRIL)).toEqual([{ expiresAt: MARCH, amount: 7 }, { expiresAt: APRIL, amount: 10 }]);
    expect(expiringSoon(state, '2026-01-01T00:00:00.000Z')).toEqual([]);
  });
});
