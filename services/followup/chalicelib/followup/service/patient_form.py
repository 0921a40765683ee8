"""The patient's questionnaire as a page a phone opens from the link (``GET /followup/p/{token}/form``):
server-rendered, mobile-first, no external script, style or font. Every text the hospital wrote is
escaped. A small inline script shows and hides items by their conditions and sends the answers as JSON
to the link's ``responses`` route (the same checks as any client: a 422 marks the items, a 409 says it
was answered). Nothing of the hospital's but the questionnaire and the masked name is on the page."""

from __future__ import annotations

import json
from html import escape
from zoneinfo import ZoneInfo

from chalicelib.followup.contracts.questionnaires import PatientQuestionnaire
from chalicelib.followup.domain.questionnaires import Item

HOSPITAL_TZ = ZoneInfo("Asia/Shanghai")

_STYLE = """
*{box-sizing:border-box}body{margin:0;font:16px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;
background:#f5f6f8;color:#1f2329}main{max-width:640px;margin:0 auto;padding:16px}
h1{font-size:20px;margin:8px 0}
.who{color:#646a73;margin:0 0 8px}fieldset{border:0;background:#fff;border-radius:10px;margin:12px 0;
padding:12px 14px}legend{font-weight:600;padding:0;margin-bottom:8px;float:left;width:100%}
legend+*{clear:both}label.opt{display:block;padding:8px 0;border-top:1px solid #eef0f2}
label.opt:first-of-type{border-top:0}input[type=number],input[type=date],textarea{width:100%;
padding:10px;font-size:16px;border:1px solid #d0d3d6;border-radius:8px}.scale{display:flex;
flex-wrap:wrap;gap:6px}.scale label{flex:1 0 2.4em;text-align:center;border:1px solid #d0d3d6;
border-radius:8px;padding:6px 0}.req{color:#d83931}.err{color:#d83931;font-size:14px;margin:6px 0 0}
.unit{color:#646a73;font-size:14px}button{width:100%;padding:14px;font-size:17px;border:0;
border-radius:10px;background:#3370ff;color:#fff;margin:8px 0 24px}button:disabled{opacity:.6}
.done{background:#fff;border-radius:10px;padding:24px;text-align:center}[hidden]{display:none!important}
"""

_SCRIPT = """
(function(){
var form=document.getElementById('f');if(!form)return;
var sets=[].slice.call(form.querySelectorAll('fieldset[data-item]'));
function value(fs){var id=fs.dataset.item,k=fs.dataset.kind;
 if(k==='single'){var c=fs.querySelector('input:checked');return c?c.value:null}
 if(k==='multi'){return [].map.call(fs.querySelectorAll('input:checked'),function(i){return i.value})}
 if(k==='scale'){var s=fs.querySelector('input:checked');var n=fs.querySelector('input[type=number]');
  if(s)return Number(s.value);return n&&n.value!==''?Number(n.value):null}
 var e=fs.querySelector('input,textarea');if(!e||e.value==='')return null;
 return k==='number'?Number(e.value):e.value}
function shown(fs,got){var on=fs.dataset.showItem;if(!on)return true;var a=got[on];
 if(a===undefined||a===null)return false;var any=JSON.parse(fs.dataset.showAny||'[]');
 if(Array.isArray(a))return a.some(function(v){return any.indexOf(v)>=0});
 if(typeof a==='string')return any.indexOf(a)>=0;
 var ab=fs.dataset.showAbove,be=fs.dataset.showBelow;
 return (ab!==undefined&&a>Number(ab))||(be!==undefined&&a<Number(be))}
function answers(){var got={};sets.forEach(function(fs){var ok=shown(fs,got);fs.hidden=!ok;
 if(!ok)return;var v=value(fs);
 if(v!==null&&!(Array.isArray(v)&&!v.length))got[fs.dataset.item]=v});return got}
form.addEventListener('change',answers);form.addEventListener('input',answers);answers();
form.addEventListener('submit',function(ev){ev.preventDefault();
 var msg=document.getElementById('msg'),btn=form.querySelector('button');
 [].forEach.call(form.querySelectorAll('.err'),function(e){e.textContent=''});
 btn.disabled=true;msg.textContent='正在提交…';
 fetch(location.pathname.replace(/\\/form$/,'/responses'),{method:'POST',
  headers:{'Content-Type':'application/json','Accept-Language':'zh-CN'},
  body:JSON.stringify({answers:answers()})}).then(function(r){return r.json().then(function(b){return[r,b]})})
 .then(function(rb){var r=rb[0],b=rb[1];
  if(r.status===201){form.outerHTML='<p class="done">'+(b.message||'提交成功')+'</p>';return}
  btn.disabled=false;msg.textContent=b.detail||'提交未成功，请稍后重试';
  (b.errors||[]).forEach(function(e){var id=(e.field||'').replace(/^answers\\./,'');
   var el=document.getElementById('err-'+id);if(el)el.textContent=e.message})})
 .catch(function(){btn.disabled=false;msg.textContent='网络异常，请稍后重试'})});
})();
"""


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _field(item: Item) -> str:
    data = [f'data-item="{_attr(item.id)}"', f'data-kind="{item.kind}"']
    if item.show_if is not None:
        data.append(f'data-show-item="{_attr(item.show_if.item)}"')
        data.append(f'data-show-any="{_attr(json.dumps(item.show_if.any_of, ensure_ascii=False))}"')
        if item.show_if.above is not None:
            data.append(f'data-show-above="{_num(item.show_if.above)}"')
        if item.show_if.below is not None:
            data.append(f'data-show-below="{_num(item.show_if.below)}"')
    name = _attr(item.id)
    required = ' <span class="req">*</span>' if item.required else ""
    parts = [f"<fieldset {' '.join(data)}>", f"<legend>{escape(item.label)}{required}</legend>"]
    if item.help:
        parts.append(f'<p class="unit">{escape(item.help)}</p>')
    if item.kind in ("single", "multi"):
        kind = "radio" if item.kind == "single" else "checkbox"
        parts += [
            f'<label class="opt"><input type="{kind}" name="{name}" value="{_attr(o.value)}"> '
            f"{escape(o.label)}</label>"
            for o in item.options
        ]
    elif item.kind == "scale":
        low, high = item.bounds()
        if low is not None and high is not None and high - low <= 10 and low == int(low):
            parts.append('<div class="scale">')
            parts += [
                f'<label><input type="radio" name="{name}" value="{n}"><br>{n}</label>'
                for n in range(int(low), int(high) + 1)
            ]
            parts.append("</div>")
        else:
            parts.append(f'<input type="number" name="{name}" step="1" min="{_num(low)}" max="{_num(high)}">')
    elif item.kind == "number":
        unit = f' <span class="unit">{escape(item.unit)}</span>' if item.unit else ""
        parts.append(
            f'<input type="number" inputmode="decimal" step="any" name="{name}" '
            f'min="{_num(item.min)}" max="{_num(item.max)}">{unit}'
        )
    elif item.kind == "date":
        parts.append(f'<input type="date" name="{name}">')
    else:
        parts.append(f'<textarea name="{name}" rows="3" maxlength="2000"></textarea>')
    parts.append(f'<p class="err" id="err-{name}" role="alert"></p></fieldset>')
    return "".join(parts)


def render(view: PatientQuestionnaire) -> str:
    """The page: the questionnaire to fill in, or a note that it was answered."""
    head = (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">'
        f"<title>{escape(view.title)}</title><style>{_STYLE}</style></head><body><main>"
        f'<h1>{escape(view.title)}</h1><p class="who">{escape(view.patient_label)}，您好</p>'
    )
    if view.description:
        head += f"<p>{escape(view.description)}</p>"
    if view.answered:
        return head + '<p class="done">您已提交过本问卷，感谢您的配合！</p></main></body></html>'
    fields = "".join(_field(item) for item in view.items)
    return (
        f'{head}<form id="f" novalidate>{fields}<button type="submit">提交</button>'
        f'<p id="msg" role="status"></p></form><p class="who">链接有效期至 '
        f"{view.expires_at.astimezone(HOSPITAL_TZ).strftime('%Y-%m-%d %H:%M')}</p></main>"
        f"<script>{_SCRIPT}</script></body></html>"
    )
