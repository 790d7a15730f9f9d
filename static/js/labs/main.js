// Entry point of /labs: the training panel, the lab panels, and projector mode.

import { setupLab } from './panels.js';
import { TrainPanel } from './train.js';

function setupProjector() {
  const toggle = document.getElementById('projector-toggle');
  const apply = (on) => {
    document.body.classList.toggle('projector', on);
    toggle.setAttribute('aria-pressed', String(on));
  };
  apply(new URLSearchParams(window.location.search).has('projector'));
  toggle.addEventListener('click', () => apply(!document.body.classList.contains('projector')));
}

function setupNav() {
  const links = [...document.querySelectorAll('.lab-nav a')];
  for (const a of links) {
    a.addEventListener('click', () => {
      links.forEach((x) => x.removeAttribute('aria-current'));
      a.setAttribute('aria-current', 'true');
    });
  }
}

setupProjector();
setupNav();
const training = new TrainPanel(document.getElementById('training'));
const sections = [...document.querySelectorAll('section[data-lab]')];
const runs = sections.map((s) => setupLab(s, () => training.currentNetwork()));
// The labs are cheap: run each once so every panel opens with the engine's numbers.
runs.reduce((p, run) => p.then(run), Promise.resolve());
// The labs that examine the student's network look again at it once it is trained.
const examining = runs.filter((_, i) => sections[i].querySelector('select[name=network]'));
training.root.addEventListener('trained', () => examining.forEach((run) => run()));
