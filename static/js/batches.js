// Mini-batches on the step page: the scenario's batch_size and shuffle_seed (Network panel), and
// which batch and epoch the lesson is at (the server says: `batch` on /api/graph and /api/step,
// null for full batch). Sample s of a batch lesson is row batch.indices[s] of the data set.

/** "epoch 2 · batch 3 of 4", or "" for full batch. */
export function batchText(batch) {
  return batch ? `epoch ${batch.epoch} · batch ${batch.batch} of ${batch.batches}` : "";
}

/** The batch's samples as the data set numbers them (1-based), e.g. "samples 3, 1". */
export function batchSamples(batch) {
  if (!batch) return "";
  const shown = batch.indices.slice(0, 12).map((i) => i + 1).join(", ");
  const more = batch.indices.length > 12 ? `, … (${batch.indices.length})` : "";
  return `${batch.indices.length === 1 ? "sample" : "samples"} ${shown}${more} of ${batch.samples}`;
}

/** Sample s of the lesson as the data set numbers it (1-based). */
export function sampleNumber(batch, s) {
  return batch ? batch.indices[s] + 1 : s + 1;
}

/** The Sample menu's entries: [value, text] per sample of the lesson (at most `limit`). */
export function sampleOptions(graph, limit = 100) {
  const batch = graph ? graph.batch : null;
  const n = graph ? graph.plan.samples : 1;
  return Array.from({ length: Math.min(n, limit) }, (_, i) => [
    String(i),
    batch ? `${batch.indices[i] + 1} (${i + 1} of ${n} in batch)` : `${i + 1} of ${n}`,
  ]);
}

/** Show the batch in the transport's counter, in short lines so the timeline keeps its room:
 *  "Iteration 3", "epoch 2 · batch 1 of 2", "samples 1, 3". */
export function showBatch(counter, batch, iteration) {
  counter.textContent = `Iteration ${iteration}`;
  counter.classList.toggle("has-batch", Boolean(batch));
  if (!batch) return;
  const where = document.createElement("span");
  where.className = "batch-where";
  where.textContent = batchText(batch);
  const who = document.createElement("span");
  who.className = "batch-samples";
  const shown = batch.indices.slice(0, 6).map((i) => i + 1).join(", ");
  who.textContent = `${batch.indices.length === 1 ? "sample" : "samples"} ${shown}${batch.indices.length > 6 ? ", …" : ""}`;
  counter.append(where, who);
  counter.setAttribute("aria-label", `Iteration ${iteration}, ${batchText(batch)}: ${batchSamples(batch)}`);
  counter.title = `Mini-batches of ${batch.size} (shuffle seed ${batch.seed}): this iteration's loss and gradients are the mean over ${batchSamples(batch)}`;
}

/**
 * The Network panel's batch fields. `fill(scenario)` shows its settings; `read(samples)` gives
 * { batch_size (null: full batch), shuffle_seed, problems }.
 */
export function createBatchFields(form) {
  const size = form.querySelector("#arch-batch-size");
  const seed = form.querySelector("#arch-shuffle-seed");
  if (!size || !seed) return null;

  function fill(sc) {
    size.value = sc.batch_size ? String(sc.batch_size) : "";
    seed.value = String(sc.shuffle_seed ?? 0);
  }

  function read(samples) {
    const problems = [];
    const rawSize = size.value.trim();
    const rawSeed = seed.value.trim();
    let batch_size = null;
    if (rawSize !== "") {
      const n = Number(rawSize);
      if (!Number.isInteger(n) || n < 1 || n > samples) {
        problems.push(`Batch size “${rawSize}” must be a whole number from 1 to ${samples} (the samples), or empty for full batch.`);
      } else if (n < samples) batch_size = n;
    }
    const s = rawSeed === "" ? 0 : Number(rawSeed);
    if (!Number.isInteger(s) || s < 0 || s > 2 ** 32 - 1) problems.push(`Shuffle seed “${rawSeed}” must be a whole number from 0 to 4294967295.`);
    return { batch_size, shuffle_seed: Number.isInteger(s) ? s : 0, problems };
  }

  return { fill, read, size, seed };
}
