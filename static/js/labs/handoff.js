// The hand-off from /labs to the step-through view, so that the step page carries on the run
// faithfully: the scenario as training began (initial weights, the same data, batch size and
// shuffle seed) at iteration updates + 1, which the server recomputes statelessly, optimizer state
// and batch order included. When that cannot be (a run too long to recompute in one request,
// clipping or accumulated gradients that the step page does not replay, or one chosen sample),
// the trained weights open as a new lesson, and the note says what is lost.

import { api, messagesOf } from '../api.js';

/** The scenario that training started from, with the run's batch settings. */
export function initialScenario(request) {
  const sc = structuredClone(request.scenario);
  const m = sc.inputs.length;
  const bs = request.batch_size;
  if (bs && bs < m) {
    sc.batch_size = bs;
    sc.shuffle_seed = request.shuffle_seed ?? 0;
  } else {
    delete sc.batch_size;
    delete sc.shuffle_seed;
  }
  return sc;
}

/** What the trained weights lose when they start a new lesson at iteration 1. */
function losses(request) {
  const lost = [];
  if (request.scenario.optimizer) lost.push(`the ${request.scenario.optimizer.name} optimizer's state (it restarts at t = 1, its running averages at 0)`);
  const bs = request.batch_size;
  if (bs && bs < request.scenario.inputs.length) lost.push('the place in the batch order (the shuffle starts again at epoch 1)');
  return lost;
}

/** The trained weights as a new lesson (iteration 1): what the hand-off shows until (and unless)
 *  the server says it can recompute the run's next iteration. */
export function trainedPlan(trained, pick) {
  const scenario = structuredClone(trained);
  if (pick !== 'batch') {
    // one chosen sample: the next iteration's gradient is that sample's alone
    scenario.inputs = [scenario.inputs[Number(pick)]];
    scenario.targets = [scenario.targets[Number(pick)]];
    delete scenario.batch_size;
    delete scenario.shuffle_seed;
  }
  return { scenario, iteration: 1 };
}

/**
 * { scenario, iteration, note } for the step page. `trained` is the trained scenario (the
 * server's), `updates` the updates the run did, `pick` "batch" or one sample's index.
 */
export async function handOffPlan({ request, trained, updates, pick }) {
  const iteration = updates + 1;
  let why = null;
  if (pick !== 'batch') why = 'you chose one sample, a different lesson from the run';
  else if (request.clip_norm) why = 'the run clipped its gradients, which the step page does not replay';
  else if (request.accumulate_grads) why = 'the run accumulated gradients, which the step page does not replay';
  if (!why) {
    const scenario = initialScenario(request);
    try {
      // the server says whether it can recompute that iteration (and keeps the lesson for the page)
      const g = await api.post('/api/graph', { scenario, iteration, labels: 'text' });
      const at = g.batch ? ` (epoch ${g.batch.epoch} · batch ${g.batch.batch} of ${g.batch.batches})` : '';
      return {
        scenario,
        iteration,
        note: `Opens at iteration ${iteration.toLocaleString()}${at}, recomputed from the initial weights: ` +
          'the weights, the optimizer\'s state and the batch order carry on exactly where training stopped.',
      };
    } catch (err) {
      why = messagesOf(err).join(' · ');
    }
  }
  const { scenario } = trainedPlan(trained, pick);
  const lost = losses(request);
  const note = lost.length
    ? `Opens the trained weights as a new lesson (iteration 1): ${lost.join(' and ')} ${lost.length > 1 ? 'are' : 'is'} not carried over, because ${why}.`
    : `Opens the trained weights as a new lesson (iteration 1); plain SGD keeps no state, so nothing else is lost.`;
  return { scenario, iteration: 1, note };
}
