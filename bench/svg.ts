// Two small SVG charts for the reports (no dependency): grouped horizontal bars (ns/element per op
// and variant) and lines over a shared x axis (error across lambda).

const COLORS = ['#7f7f7f', '#bcbd22', '#ff7f0e', '#1f77b4', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

function svg(width: number, height: number, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function legend(names: readonly string[], x: number, y: number): string[] {
  return names.flatMap((name, i) => [
    `<rect x="${x}" y="${y + i * 16 - 9}" width="18" height="10" fill="${COLORS[i % COLORS.length]}"/>`,
    `<text x="${x + 24}" y="${y + i * 16}">${esc(name)}</text>`,
  ]);
}

/**
 * One group of bars per label, one bar per series (absent values skipped), each with its value; an
 * optional marker per group (a vertical tick, e.g. the memory floor).
 */
export function barChart(o: {
  title: string;
  unit: string;
  groups: { label: string; values: (number | undefined)[]; marker?: number }[];
  series: readonly string[];
  markerName?: string;
}): string {
  const bar = 11;
  const left = 190;
  const width = 900;
  const plotW = width - left - 60;
  const groupH = bar * o.series.length + 12;
  const top = 40;
  const height = top + groupH * o.groups.length + 40 + 16 * (o.series.length + 1);
  const max = Math.max(...o.groups.flatMap((g) => g.values.filter((v): v is number => v !== undefined)));
  const sx = (v: number) => left + (v / max) * plotW;
  const body = [`<text x="${left}" y="22" font-size="15" font-weight="bold">${esc(o.title)}</text>`];
  const step = 10 ** Math.floor(Math.log10(max / 2));
  const tick = max / step > 10 ? step * 2 : step;
  const yEnd = top + groupH * o.groups.length;
  for (let v = 0; v <= max; v += tick) {
    body.push(`<line x1="${sx(v)}" x2="${sx(v)}" y1="${top - 4}" y2="${yEnd}" stroke="#e5e5e5"/>`);
    body.push(`<text x="${sx(v)}" y="${yEnd + 14}" text-anchor="middle" fill="#555">${num(v)}</text>`);
  }
  body.push(`<text x="${left + plotW / 2}" y="${yEnd + 30}" text-anchor="middle">${esc(o.unit)}</text>`);
  o.groups.forEach((g, gi) => {
    const y0 = top + gi * groupH;
    body.push(`<text x="${left - 8}" y="${y0 + groupH / 2}" text-anchor="end">${esc(g.label)}</text>`);
    g.values.forEach((v, si) => {
      if (v === undefined) return;
      const y = y0 + si * bar;
      body.push(
        `<rect x="${left}" y="${y}" width="${Math.max(sx(v) - left, 0.5)}" height="${bar - 1}" fill="${COLORS[si % COLORS.length]}"/>`,
        `<text x="${sx(v) + 4}" y="${y + bar - 2}" font-size="10" fill="#333">${num(v)}</text>`,
      );
    });
    if (g.marker !== undefined) {
      body.push(
        `<line x1="${sx(g.marker)}" x2="${sx(g.marker)}" y1="${y0 - 2}" y2="${y0 + groupH - 10}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>`,
      );
    }
  });
  const ly = yEnd + 52;
  body.push(...legend(o.series, left, ly));
  if (o.markerName) {
    const y = ly + o.series.length * 16;
    body.push(
      `<line x1="${left + 9}" x2="${left + 9}" y1="${y - 11}" y2="${y + 2}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>`,
      `<text x="${left + 24}" y="${y}">${esc(o.markerName)}</text>`,
    );
  }
  return svg(width, height, body);
}

/** Lines (or dots) over a shared x grid, y on a log10 scale (values below yMin drawn at yMin). */
export function lineChart(o: {
  title: string;
  dots?: boolean;
  xLabel: string;
  yLabel: string;
  x: readonly number[];
  lines: { name: string; y: readonly number[] }[];
  yMin: number;
}): string {
  const [width, height] = [900, 420];
  const pad = { l: 70, r: 20, t: 40, b: 50 };
  const yMax = Math.max(...o.lines.flatMap((l) => l.y)) * 1.5;
  const [x0, x1] = [Math.min(...o.x), Math.max(...o.x)];
  const sx = (v: number) => pad.l + ((v - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const ly = (v: number) => Math.log10(Math.max(v, o.yMin));
  const sy = (v: number) => pad.t + ((ly(yMax) - ly(v)) / (ly(yMax) - ly(o.yMin))) * (height - pad.t - pad.b);
  const body = [`<text x="${pad.l}" y="22" font-size="15" font-weight="bold">${esc(o.title)}</text>`];
  for (let e = Math.ceil(ly(o.yMin)); e <= ly(yMax); e++) {
    body.push(
      `<line x1="${pad.l}" x2="${width - pad.r}" y1="${sy(10 ** e)}" y2="${sy(10 ** e)}" stroke="#e5e5e5"/>`,
      `<text x="${pad.l - 6}" y="${sy(10 ** e) + 4}" text-anchor="end" fill="#555">1e${e}</text>`,
    );
  }
  for (let i = 0; i <= 10; i++) {
    const v = x0 + ((x1 - x0) * i) / 10;
    body.push(`<text x="${sx(v)}" y="${height - pad.b + 16}" text-anchor="middle" fill="#555">${num(v)}</text>`);
  }
  body.push(
    `<text x="${(pad.l + width - pad.r) / 2}" y="${height - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text x="16" y="${height / 2}" text-anchor="middle" transform="rotate(-90 16 ${height / 2})">${esc(o.yLabel)}</text>`,
  );
  o.lines.forEach((l, i) => {
    const color = COLORS[(i + 3) % COLORS.length];
    if (o.dots) {
      const dots = o.x.map((v, j) => `<circle cx="${sx(v).toFixed(1)}" cy="${sy(l.y[j]).toFixed(1)}" r="1.8"/>`);
      body.push(`<g fill="${color}" fill-opacity="0.6">`, ...dots, '</g>');
    } else {
      const d = o.x.map((v, j) => `${j ? 'L' : 'M'}${sx(v).toFixed(1)},${sy(l.y[j]).toFixed(1)}`).join('');
      body.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    }
  });
  body.push(
    ...o.lines.flatMap((l, i) => [
      `<rect x="${pad.l + 12}" y="${pad.t + 6 + i * 16}" width="18" height="3" fill="${COLORS[(i + 3) % COLORS.length]}"/>`,
      `<text x="${pad.l + 36}" y="${pad.t + 12 + i * 16}">${esc(l.name)}</text>`,
    ]),
  );
  return svg(width, height, body);
}
