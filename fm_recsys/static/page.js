const $ = id => document.getElementById(id);
const status = (text, error = false) => { $('status').textContent = text; $('status').className = error ? 'error' : ''; };
const liked = new Map();  // movie id → title: the movies a new visitor said they liked
let takesLiked = false;  // whether the served model has liked-movie vectors
async function api(path) {
  const started = performance.now();
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) throw new Error(typeof body.detail === 'string' ? body.detail : body.detail.message);
  return [body, performance.now() - started];
}
function show(list, items) {
  list.replaceChildren(...items.map(item => {
    const li = document.createElement('li'), a = document.createElement('a');
    a.textContent = item.title; a.dataset.movie = item.movie_id; a.onclick = () => similar(item);
    const genres = document.createElement('div'); genres.className = 'genres'; genres.textContent = item.genres.replaceAll('|', ' · ');
    const score = document.createElement('span'); score.className = 'score'; score.textContent = item.score.toFixed(3);
    li.append(score, a, genres);
    if (item.explanation) li.append(...explained(item));
    if (takesLiked) {
      const heart = document.createElement('button'); heart.className = 'like'; heart.type = 'button'; heart.textContent = '♥';
      heart.title = `I liked ${item.title}`; heart.onclick = () => like(item); li.prepend(heart);
    }
    return li;
  }));
}
const signed = x => Math.abs(x) < 0.005 ? '0.00' : (x > 0 ? '+' : '−') + Math.abs(x).toFixed(2);
// as `top_reasons`: the two largest terms that name one thing and add at least 0.005; the catch-alls stay in the full list
const topReasons = terms => terms.filter(t => !['rated_others', 'history'].includes(t.feature) && t.contribution >= 0.005).slice(0, 2);
function explained(item) {
  // the top reasons under the title; "why?" opens every term of the score as a bar
  const reasons = document.createElement('div'), why = document.createElement('button'), chart = document.createElement('div');
  reasons.className = 'reasons';
  reasons.textContent = topReasons(item.explanation).map(t => `${t.label} ${signed(t.contribution)}`).join(' · ');
  why.className = 'why'; why.type = 'button'; why.textContent = 'why?'; why.setAttribute('aria-expanded', 'false');
  chart.className = 'breakdown'; chart.hidden = true;
  const largest = Math.max(...item.explanation.map(t => Math.abs(t.contribution)));
  for (const t of item.explanation) {
    const label = document.createElement('span'), track = document.createElement('div'), bar = document.createElement('div'), value = document.createElement('span');
    label.textContent = t.label; bar.className = t.contribution < 0 ? 'bar negative' : 'bar';
    bar.style.width = `${(100 * Math.abs(t.contribution) / largest).toFixed(1)}%`; track.append(bar);
    value.className = 'value'; value.textContent = signed(t.contribution);
    chart.append(label, track, value);
  }
  const total = document.createElement('span'); total.className = 'total'; total.textContent = `sum: the score, ${item.score.toFixed(3)}`;
  chart.append(total);
  why.onclick = () => { chart.hidden = !chart.hidden; why.setAttribute('aria-expanded', String(!chart.hidden)); };
  reasons.append(why);
  return [reasons, chart];
}
function showLiked() {
  $('liked').hidden = !liked.size;
  $('liked').replaceChildren('Liked:', ...[...liked].map(([id, title]) => {
    const chip = document.createElement('span'), remove = document.createElement('button');
    chip.className = 'chip'; chip.textContent = title; chip.dataset.movie = id;
    remove.type = 'button'; remove.textContent = '×'; remove.title = `remove ${title}`;
    remove.onclick = () => { liked.delete(id); showLiked(); recommend(); };
    chip.append(remove); return chip;
  }));
}
function like(item) { liked.set(item.movie_id, item.title); showLiked(); recommend(); }
async function search() {
  // a title picked from the list (or typed in full) is liked at once; anything shorter fills the list
  const text = $('liked-search').value.trim();
  if (text.length < 2) return;
  const [movies] = await api(`/api/movies?limit=10&q=${encodeURIComponent(text)}`);
  const picked = movies.find(m => m.title.toLowerCase() === text.toLowerCase());
  if (picked) { $('liked-search').value = ''; like(picked); }
  else $('titles').replaceChildren(...movies.map(m => new Option(m.title)));
}
async function recommend(event) {
  event?.preventDefault();
  const params = new URLSearchParams({n: 10, explain: true});
  for (const select of $('metadata').querySelectorAll('select')) if (select.value) params.set(select.name, select.value);
  if ($('user').value.trim()) params.set('user', $('user').value.trim());
  for (const id of liked.keys()) params.append('liked', id);
  try {
    const [body, ms] = await api('/api/recommend?' + params);
    show($('results'), body.items);
    $('results-title').textContent = params.has('user') ? `Top 10 for user ${params.get('user')}` : 'Top 10 for a new user';
    status(`model ${body.model.slice(0, 8)} · ${body.backend} · ${ms.toFixed(0)} ms`);
  } catch (error) { $('results').replaceChildren(); status(error.message, true); }
}
async function similar(item) {
  try {
    const [body, ms] = await api(`/api/similar?n=10&movie=${item.movie_id}`);
    show($('similar'), body.items);
    $('similar-title').textContent = `Like ${item.title}`;
    $('similar-card').hidden = false;
    status(`model ${body.model.slice(0, 8)} · ${body.backend} · ${ms.toFixed(0)} ms`);
  } catch (error) { status(error.message, true); }
}
function tab(name) {
  $('recommend').hidden = name !== 'recommend'; $('map').hidden = name !== 'map';
  $('tab-recommend').setAttribute('aria-selected', name === 'recommend'); $('tab-map').setAttribute('aria-selected', name === 'map');
  if (name === 'map' && !$('map-image').src) $('map-image').src = '/api/genre-map.png';
}
async function start() {
  const [options] = await api('/api/options');
  for (const [name, values] of Object.entries(options)) {  // a list for each metadata field the model has (none without user metadata)
    if (name === 'liked') continue;
    const select = document.createElement('select'), label = document.createElement('label');
    select.name = name; select.append(new Option('any', ''), ...values.map(([code, text]) => new Option(text, code)));
    label.append(name[0].toUpperCase() + name.slice(1).replaceAll('_', ' ') + ' ', select);
    $('metadata').append(label);
  }
  takesLiked = options.liked; $('liked-field').hidden = !takesLiked;
  $('liked-search').oninput = () => search().catch(error => status(error.message, true));
  $('query').onsubmit = recommend;
  $('tab-recommend').onclick = () => tab('recommend'); $('tab-map').onclick = () => tab('map');
  $('map-image').onerror = () => {  // too few movies with genres: say so instead of a broken image
    $('map-image').hidden = true; $('map-caption').textContent = 'This model has no genre map: too few of its movies carry genres.';
  };
}
start().catch(error => status(error.message, true));
