// The "hidden layers" field: one whole number per hidden layer, its neurons ("8, 8" is two hidden
// layers of 8 neurons each); the limits come from the page's catalog (the API's own).

export class HiddenLayersError extends Error {}

/** "8, 8" or "8 8" → [8, 8]; "" → [] (no hidden layer). Throws HiddenLayersError. */
export function parseHidden(raw, { maxWidth, maxLayers }) {
  const parts = raw.split(/[\s,;]+/).filter(Boolean);
  const bad = parts.find((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > maxWidth);
  if (bad !== undefined) {
    throw new HiddenLayersError(
      `hidden layers: “${bad}” is not a neuron count; give one whole number from 1 to ${maxWidth} ` +
        'per hidden layer, e.g. 8, 8 for two hidden layers of 8 neurons',
    );
  }
  if (parts.length > maxLayers) {
    throw new HiddenLayersError(`hidden layers: ${parts.length} given; the limit is ${maxLayers}`);
  }
  return parts.map(Number);
}

/** [8, 8] → "2 hidden layers of 8 neurons each"; [16, 8] → "2 hidden layers, of 16 and 8 neurons". */
export function describeHidden(sizes) {
  const n = sizes.length;
  if (n === 0) return 'No hidden layer: the inputs feed the output directly';
  const neurons = (k) => `${k} neuron${k === 1 ? '' : 's'}`;
  if (n === 1) return `1 hidden layer of ${neurons(sizes[0])}`;
  if (sizes.every((k) => k === sizes[0])) return `${n} hidden layers of ${neurons(sizes[0])} each`;
  return `${n} hidden layers, of ${sizes.slice(0, -1).join(', ')} and ${neurons(sizes[n - 1])}`;
}

/** [2, 8, 8, 1] → "2 → 8 → 8 → 1". */
export function arrows(layers) {
  return layers.join(' → ');
}
