// SPDX-License-Identifier: MIT
// SPDX-FileCopyrightText: 2026 cityeye developers
//
// A small horizontal bar chart of the online rate (在线率) by street, from
// GET /api/v1/stats/online?by=street (admins).  Canvas only.

export function drawOnlineChart(canvas, rows) {
  const ctx = canvas.getContext('2d');
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || canvas.width, rowH = 18;
  const data = rows.filter((r) => r.key && r.online_rate !== null && r.online_rate >= 0)
    .sort((a, b) => a.online_rate - b.online_rate);
  const h = Math.max(40, data.length * rowH + 24);
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  canvas.style.height = h + 'px';
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '12px system-ui, "Noto Sans CJK SC", sans-serif';
  ctx.textBaseline = 'middle';
  if (data.length === 0) {
    ctx.fillStyle = '#8a96a3';
    ctx.fillText('No probe results yet', 4, 16);
    return 0;
  }
  const labelW = 92, barW = w - labelW - 56;
  data.forEach((r, i) => {
    const y = 8 + i * rowH;
    const rate = r.online_rate;
    ctx.fillStyle = '#dde3ea';
    ctx.textAlign = 'right';
    ctx.fillText(r.key, labelW - 6, y + rowH / 2);
    ctx.fillStyle = '#232b33';
    ctx.fillRect(labelW, y + 3, barW, rowH - 6);
    // National guidance: ≥ 95 % for key areas.
    ctx.fillStyle = rate >= 0.95 ? '#3ecf8e' : rate >= 0.9 ? '#f2c14e' : '#ff5a4f';
    ctx.fillRect(labelW, y + 3, barW * rate, rowH - 6);
    ctx.fillStyle = '#dde3ea';
    ctx.textAlign = 'left';
    ctx.fillText((rate * 100).toFixed(1) + ' %', labelW + barW + 6, y + rowH / 2);
  });
  const x95 = labelW + barW * 0.95;
  ctx.strokeStyle = '#ffffff66';
  ctx.setLineDash([3, 3]);
  ctx.beginPath();
  ctx.moveTo(x95, 4);
  ctx.lineTo(x95, h - 4);
  ctx.stroke();
  ctx.setLineDash([]);
  return data.length;
}
