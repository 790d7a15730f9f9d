// Entry point of /labs: the training panel, the lab panels, and projector mode.

import { createLab } from './panels.js';
import { createTrainPanel } from './train.js';
import { createTwinPanel } from './twins.js';

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
// The labs that examine the student's network look again at it once it is trained.
const training = createTrainPanel(document.getElementById('training'), {
  onTrained: () => labs.filter((lab) => lab.examinesNetwork).forEach((lab) => lab.run()),
});
createTwinPanel(document.getElementById('twins'), training);
const labs = [...document.querySelectorAll('section[data-lab]')].map((s) => createLab(s, training.currentNetwork));
// The labs are cheap: run each once so every panel opens with the engine's numbers.
labs.reduce((p, lab) => p.then(lab.run), Promise.resolve());
