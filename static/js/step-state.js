// The whole state shown (every node and parameter), kept between steps so that an answer asked
// for `since` the state held lists only what changed, and that is merged in here.

/**
 * `key` names what a state is valid for (scenario, sample, view…): an answer is merged only into
 * a state with the same key, at the fine cursor it was asked `since`.
 */
export function createStepState() {
  let held = null; // { key, fine, nodes, params, index: { nodes: Map id → i, params: Map id → i } }

  /** The fine cursor to ask `since` for this key, or null: then ask for everything. */
  function sinceFor(key) {
    return held && held.key === key ? held.fine : null;
  }

  /**
   * The answer as a full view: `nodes` and `parameters` list every entry, `changed` holds only the
   * answer's own lists (null when it listed everything), `index` finds an entry's position by id.
   * Throws when a partial answer does not fit the state held (the caller then asks for all).
   */
  function apply(key, resp) {
    if (resp.since === null || resp.since === undefined) {
      // a full answer for the state held still restyles only what differs from it
      const changed = held && held.key === key ? diff(held, resp) : null;
      const index = changed ? held.index : { nodes: indexById(resp.nodes), params: indexById(resp.parameters) };
      held = { key, fine: resp.fine_cursor, nodes: resp.nodes, params: resp.parameters, index };
      return { ...resp, changed, index };
    }
    if (!held || held.key !== key || held.fine !== resp.since) {
      held = null;
      throw new Error(`an answer since fine step ${resp.since} does not fit the state held`);
    }
    const nodes = merged(held.nodes, held.index.nodes, resp.nodes);
    const params = merged(held.params, held.index.params, resp.parameters);
    held = { ...held, fine: resp.fine_cursor, nodes, params };
    return { ...resp, nodes, parameters: params, changed: { nodes: resp.nodes, parameters: resp.parameters }, index: held.index };
  }

  function merged(list, index, changes) {
    if (!changes.length) return list;
    const out = list.slice(); // earlier views keep their own lists
    for (const entry of changes) {
      const i = index.get(entry.id);
      if (i === undefined) {
        held = null;
        throw new Error(`the answer lists ${entry.id}, which the state held does not have`);
      }
      out[i] = entry;
    }
    return out;
  }

  return { sinceFor, apply, forget: () => (held = null) };
}

/** What a full answer changes in the state held, or null when it lists other entries. */
function diff(held, resp) {
  const pick = (before, after) => {
    if (before.length !== after.length) return null;
    const out = [];
    for (let i = 0; i < after.length; i += 1) {
      if (before[i].id !== after[i].id) return null;
      if (!sameEntry(before[i], after[i])) out.push(after[i]);
    }
    return out;
  };
  const nodes = pick(held.nodes, resp.nodes);
  const parameters = nodes && pick(held.params, resp.parameters);
  return parameters ? { nodes, parameters } : null;
}

function sameEntry(a, b) {
  for (const k in b) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length || x.some((v, i) => v !== y[i])) return false;
  }
  return true;
}

function indexById(list) {
  const index = new Map();
  list.forEach((entry, i) => index.set(entry.id, i));
  return index;
}
