"""Exports of projections: CSV and Parquet tables, PNG charts and a self-contained HTML page.

The HTML page embeds the data as JSON and draws its charts with a few lines of inline
JavaScript into SVG: no network, no CDN.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import polars as pl
from matplotlib.axes import Axes

from safetynet.actuarial.data import demographic_data
from safetynet.actuarial.projection import MonteCarlo, Projection

TRILLION = 1e12
MILLION = 1e6
CHART_METRICS = {
    "reserve": ("Reserve of the employee pension fund", "trillion yuan", TRILLION),
    "balance": ("Yearly balance (income - spending)", "trillion yuan", TRILLION),
    "contributors": ("Contributors", "million", MILLION),
    "pensioners": ("Pensioners", "million", MILLION),
    "dependency_ratio": ("System dependency ratio (pensioners / contributors)", "ratio", 1.0),
    "payg_cost_rate": ("PAYG cost rate (spending / covered wages)", "share of wages", 1.0),
    "balancing_rate": ("Contribution rate balancing the scheme", "share of wages", 1.0),
    "replacement_rate": ("Average pension / average wage", "ratio", 1.0),
    "spending_gdp": ("Employee pension spending / GDP", "share of GDP", 1.0),
    "subsidy_gdp": ("Fiscal subsidy / GDP", "share of GDP", 1.0),
    "deficit_gdp": ("Deficit (spending - all income) / GDP", "share of GDP", 1.0),
    "population": ("Population", "million", MILLION),
    "share_60_plus": ("Share aged 60+", "share", 1.0),
    "resident_spending": ("Residents' pension spending", "trillion yuan", TRILLION),
    "medical_employee_balance": (
        "Employees' medical fund, yearly balance",
        "trillion yuan",
        TRILLION,
    ),
    "medical_resident_balance": (
        "Residents' medical fund, yearly balance",
        "trillion yuan",
        TRILLION,
    ),
}


METRICS_ZH = {
    "reserve": "职工养老保险基金累计结余",
    "balance": "当年收支差额",
    "contributors": "缴费人数",
    "pensioners": "领取待遇人数",
    "dependency_ratio": "制度抚养比",
    "payg_cost_rate": "现收现付成本率",
    "balancing_rate": "平衡缴费率",
    "replacement_rate": "平均养老金/平均工资",
    "spending_gdp": "基金支出占GDP",
    "subsidy_gdp": "财政补贴占GDP",
    "deficit_gdp": "赤字占GDP",
    "population": "总人口",
    "share_60_plus": "60岁及以上人口比重",
    "resident_spending": "城乡居民养老保险支出",
    "medical_employee_balance": "职工医保当年收支差额",
    "medical_resident_balance": "居民医保当年收支差额",
}
"""Simplified Chinese names of the chart metrics, shown beside the English ones."""
PV_COLUMNS = (
    "pv_contributions",
    "pv_subsidies",
    "pv_spending",
    "pv_covered_wages",
    "closed_group_liability",
)


def summary_table(projections: Sequence[Projection]) -> pl.DataFrame:
    """Headline years, the implicit pension debt, the actuarial balance (share of the PV of
    covered wages) and the present values (trillion yuan) per scenario."""
    return pl.DataFrame(
        {
            "scenario": [r.scenario for r in projections],
            "first_deficit_year": [r.first_deficit_year for r in projections],
            "reserve_peak_year": [r.reserve_peak_year for r in projections],
            "depletion_year": [r.depletion_year for r in projections],
            "implicit_pension_debt_trn": [r.implicit_pension_debt / TRILLION for r in projections],
            "ipd_valuation_year": [r.valuation_year for r in projections],
            "actuarial_balance": [r.measures["actuarial_balance"] for r in projections],
            **{
                f"{name}_trn": [r.measures[name] / TRILLION for r in projections]
                for name in PV_COLUMNS
            },
            "pv_horizon_end": [int(r.measures["horizon_end"]) for r in projections],
        },
        schema_overrides={
            "first_deficit_year": pl.Int64,
            "depletion_year": pl.Int64,
        },
    )


def write_tables(projections: Sequence[Projection], out: Path) -> list[Path]:
    """``<scenario>.csv`` and ``.parquet`` per scenario, and ``summary.csv``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for result in projections:
        for suffix, writer in (
            (".csv", result.table.write_csv),
            (".parquet", result.table.write_parquet),
        ):
            path = out / f"{result.scenario}{suffix}"
            writer(path)
            written.append(path)
        retirees = out / f"{result.scenario}_new_retirees.csv"
        result.new_retirees.write_csv(retirees)
        written.append(retirees)
    summary = out / "summary.csv"
    summary_table(projections).write_csv(summary)
    written.append(summary)
    return written


def write_sensitivity(table: pl.DataFrame, scenario: str, out: Path) -> list[Path]:
    """``sensitivity_<scenario>.csv`` and the tornado chart ``charts/tornado_<scenario>.png``."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"sensitivity_{scenario}.csv"
    table.write_csv(path)
    base = float(table.filter(pl.col("case") == "base")["actuarial_balance"][0])
    moved = table.filter(pl.col("case") != "base")
    factors = list(dict.fromkeys(moved["factor"].to_list()))
    low = [_case(moved, f, "low") - base for f in factors]
    high = [_case(moved, f, "high") - base for f in factors]
    order = np.argsort([abs(h - lo) for lo, h in zip(low, high, strict=True)])
    fig, ax = plt.subplots(figsize=(8, 4.5))
    rows = np.arange(len(factors))
    ax.barh(rows, [100 * low[i] for i in order], color="C3", label="low case")
    ax.barh(rows, [100 * high[i] for i in order], color="C0", label="high case")
    ax.set_yticks(rows, [factors[i] for i in order])
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel(
        f"change of the actuarial balance (points of covered wages; base {100 * base:.2f})"
    )
    ax.set_title(f"Sensitivity of the actuarial balance ({scenario})")
    ax.legend(fontsize=8)
    charts = out / "charts"
    charts.mkdir(exist_ok=True)
    tornado = charts / f"tornado_{scenario}.png"
    fig.tight_layout()
    fig.savefig(tornado, dpi=110)
    plt.close(fig)
    return [path, tornado]


def _case(table: pl.DataFrame, factor: str, case: str) -> float:
    row = table.filter((pl.col("factor") == factor) & (pl.col("case") == case))
    return float(row["actuarial_balance"][0])


def write_monte_carlo(mc: MonteCarlo, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    bands = out / f"monte_carlo_{mc.scenario}.csv"
    mc.quantiles().write_csv(bands)
    depletion = out / f"monte_carlo_{mc.scenario}_depletion.json"
    depletion.write_text(
        json.dumps(
            {
                "paths": int(mc.reserve.shape[0]),
                "share_depleted_by_end": float(np.mean(~np.isnan(mc.depletion_year))),
                "depletion_year_quantiles": mc.depletion_quantiles(),
            },
            indent=2,
        )
    )
    return [bands, depletion]


def _clip_reserve_axis(ax: Axes, series: Sequence[np.ndarray]) -> None:
    """Keep the years around the peak and depletion readable: the shortfall that piles up
    after depletion would otherwise flatten them (the axis is clipped at three times the
    peak); otherwise the axis spans the data's range."""
    peak = max(float(np.nanmax(s)) for s in series)
    low = min(float(np.nanmin(s)) for s in series)
    ax.axhline(0, color="black", lw=0.6)
    if peak > 0 and low < -3 * peak:
        ax.set_ylim(-3 * peak, 1.15 * peak)
        ax.text(0.01, 0.02, "axis clipped at -3 x peak", transform=ax.transAxes, fontsize=7)
    else:
        margin = 0.05 * (peak - low or 1.0)
        ax.set_ylim(low - margin, peak + margin)


def write_charts(
    projections: Sequence[Projection], out: Path, monte_carlo: Sequence[MonteCarlo] = ()
) -> list[Path]:
    """One PNG per metric comparing the scenarios, plus a fan chart per Monte Carlo run."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for metric, (title, unit, scale) in CHART_METRICS.items():
        fig, ax = plt.subplots(figsize=(8, 4.5))
        for result in projections:
            table = result.table
            ax.plot(table["year"], table[metric] / scale, label=result.scenario, lw=1.4)
        if metric == "population":
            wpp = demographic_data().projection
            total = wpp["population_male_thousands"] + wpp["population_female_thousands"]
            ax.plot(wpp["year"], total * 1e3 / scale, "k--", lw=1, label="UN WPP 2024 medium")
        if metric == "balancing_rate":
            rates = projections[0].table
            ax.plot(rates["year"], rates["contribution_rate"], "k:", lw=1, label="statutory rate")
        if metric == "reserve":
            _clip_reserve_axis(ax, [r.table["reserve"].to_numpy() / scale for r in projections])
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, ncol=2)
        path = out / f"{metric}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    written.append(_replacement_chart(projections, out))
    for mc in monte_carlo:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        bands = np.quantile(mc.reserve, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0) / TRILLION
        ax.fill_between(mc.years, bands[0], bands[4], color="C0", alpha=0.2, label="5-95 %")
        ax.fill_between(mc.years, bands[1], bands[3], color="C0", alpha=0.35, label="25-75 %")
        ax.plot(mc.years, bands[2], color="C0", lw=1.6, label="median")
        _clip_reserve_axis(ax, list(bands))
        ax.set_title(f"Reserve, {mc.reserve.shape[0]} stochastic paths ({mc.scenario})")
        ax.set_ylabel("trillion yuan")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        path = out / f"fan_reserve_{mc.scenario}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    return written


def _replacement_chart(projections: Sequence[Projection], out: Path) -> Path:
    """New retirees' pension at award over the average wage, by birth cohort and sex."""
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, result in enumerate(projections):
        rows = result.new_retirees
        for category, style in (("male", "-"), ("female_55", "--"), ("female_50", ":")):
            part = rows.filter(pl.col("category") == category).sort("year")
            ax.plot(
                part["birth_year"],
                part["replacement_average_wage"],
                style,
                color=f"C{i % 10}",
                lw=1.2,
                label=f"{result.scenario} {category}",
            )
    ax.set_title("New retirees: pension at award / average wage, by birth cohort")
    ax.set_xlabel("birth year")
    ax.set_ylabel("ratio")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=6, ncol=3)
    path = out / "replacement_by_cohort.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


_PAGE = """<!doctype html>
<html lang="zh-Hans"><head><meta charset="utf-8">
<title>养老金与人口预测 · safetynet projections</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:1100px;color:#222}
svg{background:#fafafa;border:1px solid #ddd}
.controls label{margin-right:.8rem;font-size:.9rem}
table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ccc;padding:.2rem .5rem}
#tip{position:absolute;background:#fff;border:1px solid #999;padding:.2rem .4rem;font-size:.8rem;
display:none;pointer-events:none}
</style></head><body>
<h1>养老金与人口预测 · Pension and population projections</h1>
<p>城镇职工基本养老保险基金各情景的确定性预测，以及已运行的蒙特卡洛区间。
假设与来源见 docs/projections.md；人口数据：联合国《世界人口展望2024》
（CC BY 3.0 IGO）、2020年人口普查与国家统计局。</p>
<p lang="en">Urban employee pension fund by scenario (deterministic), and Monte Carlo bands where
run. Assumptions and sources: docs/projections.md. Demographic data: UN WPP 2024 (CC BY 3.0 IGO),
the 2020 census and NBS.</p>
<div class="controls">指标 Metric: <select id="metric"></select> <span id="boxes"></span></div>
<svg id="chart" width="1000" height="420"></svg><div id="tip"></div>
<h2>关键年份与精算指标 · Headline years and actuarial measures</h2>
<p>隐性养老金债务与现值单位为万亿元；精算平衡为估值期内缴费工资现值的比例（负值为赤字）。</p>
<p lang="en">Implicit pension debt and present values in trillion yuan; the actuarial balance is a
share of the present value of covered wages over the valuation horizon (negative: a deficit).</p>
<div id="summary" style="overflow-x:auto"></div>
<h2>敏感性分析 · Sensitivity</h2><div id="sensitivity"></div>
<svg id="tornado" width="1000" height="0"></svg>
<h2>不确定性 · Uncertainty</h2><p>蒙特卡洛路径的基金结余分位区间 Reserve quantile bands of the
Monte Carlo paths: <select id="fanpick">
</select></p><svg id="fan" width="1000" height="360"></svg>
<script>
const DATA = __DATA__;
const COLORS = ["#1f77b4","#d62728","#2ca02c","#ff7f0e","#9467bd","#8c564b","#e377c2",
"#7f7f7f","#bcbd22","#17becf"];
const NS = "http://www.w3.org/2000/svg";
function el(tag, attrs, parent){const e=document.createElementNS(NS,tag);
 for(const k in attrs)e.setAttribute(k,attrs[k]);parent.appendChild(e);return e;}
function axes(svg, xs, lo, hi, unit){
 const W=+svg.getAttribute("width"),H=+svg.getAttribute("height"),L=70,B=30,T=10,R=10;
 const x=v=>L+(v-xs[0])/(xs[xs.length-1]-xs[0])*(W-L-R);
 const y=v=>H-B-(v-lo)/((hi-lo)||1)*(H-B-T);
 for(let i=0;i<=5;i++){const v=lo+(hi-lo)*i/5;
  el("line",{x1:L,x2:W-R,y1:y(v),y2:y(v),stroke:"#e5e5e5"},svg);
  el("text",{x:L-5,y:y(v)+4,"text-anchor":"end","font-size":11},svg).textContent=
   Math.abs(hi-lo)<5?v.toFixed(2):v.toFixed(0);}
 for(let yr=Math.ceil(xs[0]/10)*10;yr<=xs[xs.length-1];yr+=10){
  el("text",{x:x(yr),y:H-10,"text-anchor":"middle","font-size":11},svg).textContent=yr;}
 el("text",{x:L+6,y:T+12,"font-size":11},svg).textContent=unit;
 if(lo<0&&hi>0)el("line",{x1:L,x2:W-R,y1:y(0),y2:y(0),stroke:"#000"},svg);
 return [x,y];}
function draw(){
 const svg=document.getElementById("chart");svg.innerHTML="";
 const m=document.getElementById("metric").value, meta=DATA.metrics[m];
 const shown=DATA.scenarios.filter(s=>document.getElementById("cb_"+s.name).checked);
 const xs=DATA.years;let lo=Infinity,hi=-Infinity;
 shown.forEach(s=>s.series[m].forEach(v=>{if(v!==null){lo=Math.min(lo,v/meta[2]);
  hi=Math.max(hi,v/meta[2]);}}));
 if(!shown.length)return;const clipped=m==="reserve"&&hi>0&&lo<-3*hi;if(clipped)lo=-3*hi;
 const [x,y]=axes(svg,xs,lo,hi,meta[1]+(clipped?" (axis clipped at -3 x peak)":""));
 shown.forEach(s=>{const pts=[];s.series[m].forEach((v,i)=>{if(v!==null)
  pts.push(x(xs[i])+","+y(Math.max(v/meta[2],lo)));});
  const line=el("polyline",{points:pts.join(" "),fill:"none",stroke:s.color,
  "stroke-width":2},svg);
  line.addEventListener("mousemove",ev=>{const t=document.getElementById("tip");
   const i=Math.round((ev.offsetX-70)/(svg.getAttribute("width")-80)*(xs.length-1));
   const v=s.series[m][Math.max(0,Math.min(xs.length-1,i))];
   t.style.display="block";t.style.left=ev.pageX+10+"px";t.style.top=ev.pageY+10+"px";
   t.textContent=s.name+" "+xs[Math.max(0,Math.min(xs.length-1,i))]+": "+
    (v===null?"-":(v/meta[2]).toFixed(3))+" "+meta[1];});
  line.addEventListener("mouseleave",()=>{document.getElementById("tip").style.display="none";});
 });}
function fan(){const svg=document.getElementById("fan"),pick=document.getElementById("fanpick");
 if(!DATA.fans.length){svg.outerHTML=
  "<p>未运行蒙特卡洛（使用 --paths N）。No Monte Carlo run (use --paths N).</p>";return;}
 if(!pick.options.length){DATA.fans.forEach((f,i)=>{const o=document.createElement("option");
  o.value=i;o.textContent=f.scenario;pick.appendChild(o);});pick.onchange=fan;}
 svg.innerHTML="";
 const f=DATA.fans[+pick.value||0],xs=f.years,hi=Math.max(...f.q95);
 const lo=Math.max(Math.min(...f.q05),hi>0?-3*hi:-Infinity),c=v=>y(Math.max(v,lo));
 const [x,y]=axes(svg,xs,lo,hi,"trillion yuan, "+f.paths+" paths ("+f.scenario+")");
 const band=(a,b,op)=>{const pts=xs.map((v,i)=>x(v)+","+c(a[i]));
  for(let i=xs.length-1;i>=0;i--)pts.push(x(xs[i])+","+c(b[i]));
  el("polygon",{points:pts.join(" "),fill:"#1f77b4","fill-opacity":op},svg);};
 band(f.q05,f.q95,0.2);band(f.q25,f.q75,0.35);
 el("polyline",{points:xs.map((v,i)=>x(v)+","+c(f.q50[i])).join(" "),fill:"none",
  stroke:"#1f77b4","stroke-width":2},svg);}
const sel=document.getElementById("metric");
for(const k in DATA.metrics){const o=document.createElement("option");o.value=k;
 o.textContent=(DATA.metrics_zh[k]||"")+" · "+DATA.metrics[k][0];sel.appendChild(o);}
sel.onchange=draw;
DATA.scenarios.forEach((s,i)=>{s.color=COLORS[i%COLORS.length];
 const l=document.createElement("label");l.innerHTML='<input type="checkbox" checked id="cb_'+
 s.name+'"> <span style="color:'+s.color+'">'+s.name+'</span>';
 document.getElementById("boxes").appendChild(l);l.firstChild.onchange=draw;});
function fmt(v){return v===null?"none by the end":(typeof v==="number"&&!Number.isInteger(v)?
 (Math.abs(v)<1?v.toFixed(4):v.toFixed(1)):v);}
function table(t){let h="<table><tr>"+t.columns.map(c=>"<th>"+c+"</th>").join("")+"</tr>";
 t.rows.forEach(r=>{h+="<tr>"+r.map(v=>"<td>"+fmt(v)+"</td>").join("")+"</tr>";});
 return h+"</table>";}
document.getElementById("summary").innerHTML=table(DATA.summary);
function tornado(){const t=DATA.sensitivity;if(!t){document.getElementById("sensitivity")
 .innerHTML="<p>未运行（使用 --sensitivity）。Not run (use --sensitivity).</p>";return;}
 document.getElementById("sensitivity").innerHTML=table(t);
 const ci=t.columns.indexOf("actuarial_balance"),fi=t.columns.indexOf("factor"),
  ki=t.columns.indexOf("case"),base=t.rows.find(r=>r[ki]==="base")[ci];
 const fs=[...new Set(t.rows.filter(r=>r[ki]!=="base").map(r=>r[fi]))];
 const d=fs.map(f=>{const g=k=>t.rows.find(r=>r[fi]===f&&r[ki]===k)[ci]-base;
  return [f,g("low"),g("high")];}).sort((a,b)=>Math.abs(b[2]-b[1])-Math.abs(a[2]-a[1]));
 const svg=document.getElementById("tornado"),H=24*d.length+40;svg.setAttribute("height",H);
 const span=Math.max(...d.map(r=>Math.max(Math.abs(r[1]),Math.abs(r[2]))))||1;
 const X=v=>600+v/span*350;
 d.forEach((r,i)=>{const Y=10+24*i;
  el("text",{x:240,y:Y+14,"text-anchor":"end","font-size":12},svg).textContent=r[0];
  [[r[1],"#d62728"],[r[2],"#1f77b4"]].forEach(([v,col])=>el("rect",{x:Math.min(X(0),X(v)),
   y:Y,width:Math.abs(X(v)-X(0)),height:18,fill:col},svg));});
 el("line",{x1:X(0),x2:X(0),y1:0,y2:H-30,stroke:"#000"},svg);
 el("text",{x:X(0),y:H-10,"text-anchor":"middle","font-size":11},svg).textContent=
  "change of the actuarial balance from "+base.toFixed(4)+" (red: low case, blue: high case)";}
tornado();
draw();fan();
</script></body></html>
"""


def _clean(values: np.ndarray) -> list[float | None]:
    return [None if not np.isfinite(v) else float(v) for v in values]


def _fan(mc: MonteCarlo) -> dict[str, object]:
    bands = np.quantile(mc.reserve, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0) / TRILLION
    return {
        "scenario": mc.scenario,
        "paths": int(mc.reserve.shape[0]),
        "years": mc.years.tolist(),
        **{f"q{q:02d}": _clean(b) for q, b in zip((5, 25, 50, 75, 95), bands, strict=True)},
    }


def write_html(
    projections: Sequence[Projection],
    out: Path,
    monte_carlo: Sequence[MonteCarlo] = (),
    sensitivity: pl.DataFrame | None = None,
) -> Path:
    """``index.html``: interactive comparison of scenarios and a fan chart per Monte Carlo run."""
    out.mkdir(parents=True, exist_ok=True)
    summary = summary_table(projections)
    data: dict[str, object] = {
        "years": projections[0].table["year"].to_list(),
        "metrics": {k: list(v) for k, v in CHART_METRICS.items()},
        "metrics_zh": METRICS_ZH,
        "scenarios": [
            {
                "name": r.scenario,
                "series": {m: _clean(r.table[m].to_numpy()) for m in CHART_METRICS},
            }
            for r in projections
        ],
        "summary": {"columns": summary.columns, "rows": [list(row) for row in summary.rows()]},
        "fans": [_fan(mc) for mc in monte_carlo],
        "sensitivity": None
        if sensitivity is None
        else {"columns": sensitivity.columns, "rows": [list(r) for r in sensitivity.rows()]},
    }
    path = out / "index.html"
    # Chinese stays readable in the page; "</" is escaped so no value can close the script.
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    path.write_text(_PAGE.replace("__DATA__", payload), encoding="utf-8")
    return path
