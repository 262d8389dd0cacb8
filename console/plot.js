// SPDX-License-Identifier: Apache-2.0
// plot.js — small SVG plots drawn from API data (no library): bars per
// day, a step line of a campaign's spread over time, and the supply-chain
// graph. Every plot has a <title> and a text summary for screen readers.
'use strict';
(function () {
  const NS = 'http://www.w3.org/2000/svg';

  function el(tag, attrs, text) {
    const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function frame(w, h, title) {
    const s = el('svg', { viewBox: `0 0 ${w} ${h}`, class: 'plot', role: 'img' });
    s.appendChild(el('title', {}, title));
    return s;
  }

  // points: [{label, value}] in order; one bar each.
  function bars(points, title) {
    const w = 640, h = 200, left = 36, bottom = 28, top = 10;
    const s = frame(w, h, title);
    const max = Math.max(1, ...points.map((p) => p.value));
    const bw = (w - left - 8) / Math.max(1, points.length);
    s.appendChild(el('line', { x1: left, y1: h - bottom, x2: w, y2: h - bottom, class: 'axis' }));
    s.appendChild(el('text', { x: 2, y: top + 8 }, String(max)));
    s.appendChild(el('text', { x: 2, y: h - bottom }, '0'));
    points.forEach((p, i) => {
      const bh = ((h - bottom - top) * p.value) / max;
      const r = el('rect', { x: left + i * bw + 1, y: h - bottom - bh, width: Math.max(1, bw - 2),
        height: bh, class: 'bar' });
      r.appendChild(el('title', {}, `${p.label}: ${p.value}`));
      s.appendChild(r);
      if (points.length <= 10 || i % Math.ceil(points.length / 8) === 0)
        s.appendChild(el('text', { x: left + i * bw, y: h - 10 }, p.label));
    });
    return s;
  }

  // points: [{t: ms, value}] sorted; a step line (cumulative spread).
  function steps(points, title, fmt) {
    const w = 640, h = 200, left = 36, bottom = 28, top = 10;
    const s = frame(w, h, title);
    if (!points.length) return s;
    const t0 = points[0].t, t1 = Math.max(points[points.length - 1].t, t0 + 1);
    const max = Math.max(1, ...points.map((p) => p.value));
    const x = (t) => left + ((w - left - 12) * (t - t0)) / (t1 - t0);
    const y = (v) => h - bottom - ((h - bottom - top) * v) / max;
    let d = `M ${x(t0)} ${y(0)}`;
    for (const p of points) d += ` H ${x(p.t)} V ${y(p.value)}`;
    s.appendChild(el('line', { x1: left, y1: h - bottom, x2: w, y2: h - bottom, class: 'axis' }));
    s.appendChild(el('path', { d, fill: 'none', stroke: '#0b5cad', 'stroke-width': 2 }));
    for (const p of points) {
      const c = el('circle', { cx: x(p.t), cy: y(p.value), r: 3, fill: '#0b5cad' });
      c.appendChild(el('title', {}, `${fmt(p.t)}: ${p.value}`));
      s.appendChild(c);
    }
    s.appendChild(el('text', { x: 2, y: top + 8 }, String(max)));
    s.appendChild(el('text', { x: left, y: h - 10 }, fmt(t0)));
    s.appendChild(el('text', { x: w - 150, y: h - 10 }, fmt(t1)));
    return s;
  }

  // nodes: [{id, label, cls}], edges: [{from, to}] (supplier → customer).
  // Layered by depth from the suppliers (no customers of their own first).
  function graph(nodes, edges, title) {
    const depth = new Map(nodes.map((n) => [n.id, 0]));
    for (let round = 0; round < nodes.length; round++) {
      let moved = false;
      for (const e of edges) {
        const d = (depth.get(e.from) || 0) + 1;
        if (depth.has(e.to) && depth.get(e.to) < d && d < nodes.length) {
          depth.set(e.to, d); moved = true;
        }
      }
      if (!moved) break;
    }
    const layers = [];
    for (const n of nodes) {
      const d = depth.get(n.id);
      (layers[d] = layers[d] || []).push(n);
    }
    const w = 720, lh = 90, h = Math.max(1, layers.length) * lh + 20;
    const s = frame(w, h, title);
    s.classList.add('graph');
    const pos = new Map();
    layers.forEach((ns, d) => ns.forEach((n, i) => {
      pos.set(n.id, { x: ((i + 0.5) * w) / ns.length, y: 30 + d * lh });
    }));
    for (const e of edges) {
      const a = pos.get(e.from), b = pos.get(e.to);
      if (a && b) s.appendChild(el('line', { x1: a.x, y1: a.y, x2: b.x, y2: b.y, class: 'edge',
        'stroke-width': 1.5 }));
    }
    for (const n of nodes) {
      const p = pos.get(n.id);
      const g = el('g', {});
      const c = el('circle', { cx: p.x, cy: p.y, r: 9, class: n.cls || 'node' });
      c.appendChild(el('title', {}, n.label));
      g.appendChild(c);
      const right = p.x > w * 0.75; // keep the label inside the picture
      g.appendChild(el('text', { x: right ? p.x - 12 : p.x + 12, y: p.y + 4,
        'text-anchor': right ? 'end' : 'start' }, n.label));
      s.appendChild(g);
    }
    return s;
  }

  window.MamoriPlot = { bars, steps, graph };
})();
