"""`index.html`: a static gallery of previews and statistics, opened from disk.

One self-contained page (inline CSS and script, relative links, nothing fetched from
the network, no server) built from whatever QA output the folder holds:
`previews.json` (written by `datagen preview`) gives one card per sample with its
animated preview, key, layer types and drawn parameters, filterable by layer type and
searchable by text/font/key; `stats.json` (written by `datagen stats`) adds the
statistics table and plots. Both commands rebuild the page, in any order.
"""
from __future__ import annotations

import json
from html import escape
from pathlib import Path

PREVIEWS_JSON = "previews.json"
STATS_JSON = "stats.json"
INDEX_HTML = "index.html"
MAX_TEXTS = 8  # texts listed per layer on a card (all are in the params block)

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#15171a;color:#e6e6e6}
header{position:sticky;top:0;z-index:1;background:#1f2226;padding:10px 16px;border-bottom:1px solid #333}
h1{font-size:18px;margin:0 0 6px} h2{font-size:16px;margin:18px 16px 8px}
.bar{display:flex;flex-wrap:wrap;gap:6px;align-items:center}
.bar button{background:#2b2f35;color:#e6e6e6;border:1px solid #444;border-radius:4px;padding:3px 10px;cursor:pointer}
.bar button.on{background:#3d6df2;border-color:#3d6df2}
.bar input{background:#111;color:#e6e6e6;border:1px solid #444;border-radius:4px;padding:3px 8px;min-width:16em}
#count{color:#aaa;margin-left:8px}
main{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,640px),1fr));gap:14px;padding:14px 16px}
.card{background:#1f2226;border:1px solid #333;border-radius:6px;overflow:hidden}
.card[hidden]{display:none}
.card img{display:block;width:100%;height:auto;background:#000}
.meta{padding:8px 10px}
.key{font-family:ui-monospace,monospace;font-size:13px}
.key a{color:#8fb3ff;margin-left:8px}
.badge{display:inline-block;border-radius:3px;padding:0 6px;margin:2px 4px 2px 0;background:#444;font-size:12px}
.layer{margin:6px 0 0;padding-left:8px;border-left:3px solid #444}
.layer b{font-weight:600}
.t{color:#fff;background:#2b2f35;padding:0 4px;border-radius:3px;white-space:pre-wrap}
.dim{color:#9a9a9a}
details pre{max-height:320px;overflow:auto;background:#111;padding:6px;font-size:12px}
table{border-collapse:collapse;margin:0 16px} td,th{border-bottom:1px solid #333;padding:3px 10px;text-align:left}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,420px),1fr));gap:12px;padding:8px 16px 24px}
.plots figure{margin:0;background:#fff;border-radius:4px;padding:4px}
.plots img{width:100%;height:auto;display:block}
"""

SCRIPT = """
(function(){
  const cards=[...document.querySelectorAll('.card')];
  const buttons=[...document.querySelectorAll('.bar button[data-layer]')];
  const search=document.getElementById('search');
  const count=document.getElementById('count');
  if(!search) return;
  const fromHash=()=>decodeURIComponent((location.hash.match(/layer=([^&]+)/)||[])[1]||'all');
  let layer=fromHash();
  function apply(){
    const q=search.value.trim().toLowerCase(); let n=0;
    for(const c of cards){
      const ok=(layer==='all'||c.dataset.layers.split(' ').includes(layer))&&(!q||c.dataset.search.includes(q));
      c.hidden=!ok; if(ok) n++;
    }
    for(const b of buttons) b.classList.toggle('on',b.dataset.layer===layer);
    count.textContent='showing '+n+' of '+cards.length;
    try{history.replaceState(null,'',layer==='all'?location.href.split('#')[0]:'#layer='+encodeURIComponent(layer));}catch(e){}
  }
  for(const b of buttons) b.addEventListener('click',()=>{layer=b.dataset.layer;apply();});
  search.addEventListener('input',apply);
  window.addEventListener('hashchange',()=>{layer=fromHash();apply();});
  apply();
})();
"""


def _load(path: Path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _fmt_frames(start, end) -> str:
    if start is None or end is None:
        return ""
    return f"f{start}–{end - 1} " if end - start > 1 else f"f{start} "


def _layer_html(layer: dict) -> str:
    head = f"<b>{escape(layer['type'])}</b>"
    if layer.get("label"):
        head += f" <span class=dim>({escape(layer['label'])})</span>"
    head += f" <span class=dim>visible in {layer['visible_frames']}/{layer['frames']} frames</span>"
    rows = [head]
    texts = layer.get("texts") or []
    for t in texts[:MAX_TEXTS]:
        rows.append(f"<span class=dim>{escape(_fmt_frames(t.get('start'), t.get('end')))}</span>"
                    f"<span class=t>{escape(t['text'])}</span>")
    if len(texts) > MAX_TEXTS:
        rows.append(f"<span class=dim>… {len(texts) - MAX_TEXTS} more texts</span>")
    facts = []
    if layer.get("families") or layer.get("fonts"):
        names = layer.get("families") or []
        files = [f.rsplit("/", 1)[-1] for f in layer.get("fonts") or []]
        facts.append("font " + escape(", ".join(names)) + (f" <span class=dim>({escape(', '.join(files))})</span>"
                                                           if files else ""))
    if layer.get("opacities"):
        facts.append("opacity " + escape(", ".join(f"{o:g}" for o in layer["opacities"])))
    if layer.get("motions"):
        facts.append("motion " + escape(", ".join(layer["motions"])))
    if layer.get("variants"):
        facts.append(escape(" ".join(layer["variants"][:6])))
    if facts:
        rows.append(" · ".join(facts))
    return "<div class=layer>" + "<br>".join(rows) + "</div>"


def _card_html(card: dict) -> str:
    types = card["types"]
    search_text = " ".join(
        [card["key"], card["shard"], card["background"], *types]
        + [t["text"] for layer in card["layers"] for t in layer.get("texts", [])]
        + [f for layer in card["layers"] for f in (layer.get("families") or []) + (layer.get("fonts") or [])]
    ).lower()
    cov = card.get("coverage") or {}
    badges = "".join(f"<span class=badge>{escape(t)}</span>" for t in types)
    layers = "".join(_layer_html(layer) for layer in card["layers"])
    params = escape(json.dumps(card.get("params", []), indent=1, ensure_ascii=False))
    return (
        f'<article class=card data-layers="{escape(" ".join(types))}" data-search="{escape(search_text)}">'
        f'<a href="{escape(card["animation"])}"><img src="{escape(card["animation"])}" alt="{escape(card["key"])}"'
        f' width={card["width"]} height={card["height"]}></a>'
        f'<div class=meta><div class=key>{escape(card["key"])} <span class=dim>{escape(card["shard"])}</span>'
        f'<a href="{escape(card["still"])}">middle frame</a></div>'
        f"<div>{badges} <span class=dim>background {escape(card['background'])} · mask coverage "
        f"mean {100 * cov.get('mean', 0):.2f}% max {100 * cov.get('max', 0):.2f}%</span></div>"
        f"{layers}<details><summary class=dim>params (json)</summary><pre>{params}</pre></details></div></article>"
    )


def _filter_bar(cards: list[dict]) -> str:
    counts: dict[str, int] = {}
    for c in cards:
        for t in c["types"]:
            counts[t] = counts.get(t, 0) + 1
    buttons = [f'<button data-layer="all">all ({len(cards)})</button>']
    buttons += [f'<button data-layer="{escape(t)}">{escape(t)} ({n})</button>' for t, n in sorted(counts.items())]
    return ("<div class=bar>layer: " + "".join(buttons)
            + ' <input id=search type=search placeholder="search text, font, key"> <span id=count></span></div>')


def _stats_html(stats: dict) -> str:
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>"
                   for k, v in stats.get("headline", {}).items())
    figs = "".join(
        f'<figure><a href="{escape(p["file"])}"><img src="{escape(p["file"])}" alt="{escape(p["title"])}"'
        f' title="{escape(p["title"])}"></a></figure>'
        for p in stats.get("plots", [])
    )
    return (f'<section id=stats><h2>Statistics <a href="{STATS_JSON}" class=dim>stats.json</a></h2>'
            f"<table>{rows}</table><div class=plots>{figs}</div></section>")


def write_index(out_dir: str | Path) -> Path:
    """(Re)build `out_dir/index.html` from the QA outputs present in `out_dir`."""
    out = Path(out_dir)
    previews = _load(out / PREVIEWS_JSON)
    stats = _load(out / STATS_JSON)
    title = "datagen QA"
    source = (previews or stats or {}).get("source")
    if source:
        title += " — " + ", ".join(source)
    parts = [f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>",
             '<meta name=viewport content="width=device-width,initial-scale=1">', f"<style>{CSS}</style></head><body>",
             f"<header><h1>{escape(title)}</h1>"]
    cards = previews.get("cards", []) if isinstance(previews, dict) else []
    if cards:
        parts.append(_filter_bar(cards))
        parts.append("<div class=dim>each preview: corrupted | mask (magenta, green outline) on corrupted | clean"
                     " — click it for the full-size animation, <i>middle frame</i> for a lossless still</div>")
    if stats:
        parts.append('<div class=dim><a href="#stats" style="color:#8fb3ff">statistics</a></div>')
    parts.append("</header>")
    if isinstance(previews, dict):
        if previews.get("filters"):
            parts.append(f"<p class=dim style='margin:8px 16px'>samples chosen with --filter "
                         f"{escape(' '.join(previews['filters']))}</p>")
        parts.append("<main>" + "".join(_card_html(c) for c in cards) + "</main>")
        if not cards:
            parts.append("<p style='margin:16px'>No sample matched.</p>")
    if isinstance(stats, dict):
        parts.append(_stats_html(stats))
    parts.append(f"<script>{SCRIPT}</script></body></html>\n")
    path = out / INDEX_HTML
    path.write_text("".join(parts), encoding="utf-8")
    return path
