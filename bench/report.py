"""The quality-bar verdicts, the printed table and the JSON figures."""

LATENCY_BAR = 1.3  # large ÷ small first-page latency, DESIGN.md section 8
DEEP_BAR = 1.3  # deep ÷ first page: "as fast as the first", with the same tolerance
THROUGHPUT_BAR = 0.35  # filtered list ÷ bare Django view, requests per second


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _ms(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def _cpu_ratio(bare: dict, listed: dict) -> float | None:
    """Throughput ratio the CPU cost alone predicts, for a server whose cores are the limit."""
    if bare["cpu_ms_workers"] is None or listed["cpu_ms_workers"] is None:
        return None
    bare_ms = bare["cpu_ms_workers"] + (bare["cpu_ms_postgres"] or 0)
    listed_ms = listed["cpu_ms_workers"] + (listed["cpu_ms_postgres"] or 0)
    return round(bare_ms / listed_ms, 3)


def evaluate(results: dict) -> list[dict]:
    """One entry per bar row: what was compared, the figure, the limit, PASS or FAIL."""
    bars = []
    latency = results["latency"]
    small, large = latency["small"]["lists"], latency["large"]["lists"]
    latency["control_drift"] = round(
        latency["large"]["control"]["median_ms"] / latency["small"]["control"]["median_ms"], 3
    )
    for shape in small:
        raw = large[shape]["median_ms"] / small[shape]["median_ms"]
        # The verdict compares each list to the control timed just before it, which discounts
        # the machine's drift between the two phases; the control never reads the site table,
        # so it cannot hide a cost of the table's size.
        ratio = round(large[shape]["relative_to_control"] / small[shape]["relative_to_control"], 3)
        latency["ratios"][shape] = {"raw": round(raw, 3), "adjusted": ratio}
        bars.append(
            {
                "bar": "a",
                "what": f"latency {shape}",
                "value": ratio,
                "limit": f"<= {LATENCY_BAR}",
                "ok": ratio <= LATENCY_BAR,
            }
        )
    for case, figures in results["deep"].items():
        if case == "walk":
            continue
        bars.append(
            {
                "bar": "b",
                "what": f"deep page {case}",
                "value": figures["ratio"],
                "limit": f"<= {DEEP_BAR}",
                "ok": figures["ratio"] <= DEEP_BAR,
            }
        )
    for shape, per_size in results["queries"].items():
        counts = [entry["queries"] for entry in per_size.values()]
        bars.append(
            {
                "bar": "c",
                "what": f"queries {shape}",
                "value": "/".join(map(str, counts)),
                "limit": "constant",
                "ok": len(set(counts)) == 1,
            }
        )
    if results.get("throughput"):
        figures = results["throughput"]
        ratio = round(figures["filtered list"]["rps"] / figures["bare Django view"]["rps"], 3)
        figures["ratio"] = ratio
        figures["cpu_ratio"] = _cpu_ratio(figures["bare Django view"], figures["filtered list"])
        clean = all(t["non_2xx"] == 0 and t["errors"] == 0 for t in figures.values() if isinstance(t, dict))
        bars.append(
            {
                "bar": "d",
                "what": "filtered list rps / bare view rps",
                "value": ratio,
                "limit": f">= {THROUGHPUT_BAR}",
                "ok": ratio >= THROUGHPUT_BAR and clean,
            }
        )
    return bars


def render(results: dict, bars: list[dict]) -> str:
    cfg = results["config"]
    small_n, large_n = f"{cfg['rows_small']:,}", f"{cfg['rows_large']:,}"
    by_what = {bar["what"]: bar for bar in bars}
    lines = []
    add = lines.append
    add("")
    add(f"Hetao bench — GET /api/v1/sites/ — {small_n} vs {large_n} site rows{'  (quick)' if cfg['quick'] else ''}")
    add(
        f"PostgreSQL {results['environment']['postgres']}, {results['environment']['cpus']} CPUs, "
        f"load driver {cfg['driver']}"
    )
    for load in results["loads"]:
        add(
            f"  COPY {load['rows']:>9,} rows in {load['seconds']:6.1f} s "
            f"({load['rows'] / load['seconds']:,.0f} rows/s, "
            f"table now {load['table_rows']:,} rows, {load['table_bytes'] / 2**20:,.0f} MiB)"
        )

    env = results["environment"]
    busy = max(env["loadavg_at_start"][0], env.get("loadavg_before_load", [0])[0])
    if busy > 0.75 * env["cpus"]:
        add(
            f"  note: the machine was busy (load average up to {busy:.1f} on {env['cpus']} CPUs from other "
            "processes); latencies are inflated, ratios less so"
        )

    add("")
    latency = results["latency"]
    add(
        f"(a) First page (page_size 50), median of {cfg['reps']} in-process requests each; "
        f"bar: {large_n} ÷ {small_n} <= {LATENCY_BAR}"
    )
    add(
        f"  {'list':<26}{'small ms':>10}{'large ms':>10}{'raw':>7}{'ratio':>7}  {'':6}"
        f"{'db ms small':>12}{'db ms large':>12}  plan at large"
    )
    small, large = latency["small"]["lists"], latency["large"]["lists"]
    for shape in small:
        bar = by_what[f"latency {shape}"]
        add(
            f"  {shape:<26}{small[shape]['median_ms']:>10.2f}{large[shape]['median_ms']:>10.2f}"
            f"{latency['ratios'][shape]['raw']:>7.2f}{bar['value']:>7.2f}  {verdict(bar['ok']):6}"
            f"{small[shape]['explain']['execution_ms']:>12.2f}{large[shape]['explain']['execution_ms']:>12.2f}"
            f"  {' > '.join(large[shape]['explain']['nodes'][:3])}"
        )
    add(
        f"  {'control (no site query)':<26}{latency['small']['control']['median_ms']:>10.2f}"
        f"{latency['large']['control']['median_ms']:>10.2f}{latency['control_drift']:>7.2f}"
        "         ratio = (large ÷ control) ÷ (small ÷ control), each paired with the control timed just before"
    )

    add("")
    deep = results["deep"]
    add(
        f"(b) Deep pages at {large_n} rows (walked {deep['walk']['pages']} pages with `next`, "
        f"median {deep['walk']['per_page']['median_ms']:.2f} ms/page); bar: deep ÷ first <= {DEEP_BAR}"
    )
    add(f"  {'case':<30}{'first ms':>10}{'deep ms':>10}{'ratio':>8}  {'':6}{'db ms deep':>11}")
    for case, figures in deep.items():
        if case == "walk":
            continue
        bar = by_what[f"deep page {case}"]
        add(
            f"  {case:<30}{figures['first']['median_ms']:>10.2f}{figures['deep']['median_ms']:>10.2f}"
            f"{figures['ratio']:>8.2f}  {verdict(bar['ok']):6}{figures['deep_explain_ms']:>11.2f}"
        )

    add("")
    sizes = next(iter(results["queries"].values())).keys()
    add(f"(c) SQL statements per request at {large_n} rows, by page_size; bar: constant")
    add(f"  {'list':<26}" + "".join(f"{'size ' + s:>10}" for s in sizes) + "  (rows returned)")
    for shape, per_size in results["queries"].items():
        bar = by_what[f"queries {shape}"]
        counts = "".join(f"{entry['queries']:>10}" for entry in per_size.values())
        rows = "/".join(str(entry["rows"]) for entry in per_size.values())
        add(f"  {shape:<26}{counts}  {verdict(bar['ok']):6}({rows})")

    if results.get("throughput"):
        add("")
        figures = results["throughput"]
        add(
            f"(d) gunicorn, {cfg['workers']} sync workers, {cfg['connections']} connections, "
            f"{cfg['rounds']} × {cfg['duration']:g} s per target, {large_n} rows; bar: filtered ÷ bare >= "
            f"{THROUGHPUT_BAR}"
        )
        add(
            f"  {'target':<30}{'req/s':>9}{'p50 ms':>9}{'non-2xx':>9}{'errors':>8}"
            f"{'cpu ms/req':>12}{'(pg)':>8}  req/s per round"
        )
        for name, target in figures.items():
            if not isinstance(target, dict):
                continue
            add(
                f"  {name:<30}{target['rps']:>9.1f}{target['p50_ms']:>9.2f}{target['non_2xx']:>9}"
                f"{target['errors']:>8}{_ms(target['cpu_ms_workers']):>12}{_ms(target['cpu_ms_postgres']):>8}"
                f"  {target['rps_rounds']}"
            )
        bar = by_what["filtered list rps / bare view rps"]
        add(f"  {'ratio filtered ÷ bare':<30}{bar['value']:>9.3f}  {verdict(bar['ok'])}")
        if figures.get("cpu_ratio") is not None:
            add(
                f"  {'CPU-bound estimate':<30}{figures['cpu_ratio']:>9.3f}  (bare ÷ filtered server CPU per request, "
                "workers + PostgreSQL; info)"
            )

    add("")
    add(f"Where a list request's time goes (in-process, {large_n} rows, diagnostic)")
    add(f"  {'':<46}{'wall ms':>9}{'cpu ms':>9}")
    for name, figures in results["breakdown"].items():
        add(f"  {name:<46}{figures['median_ms']:>9.3f}{figures['cpu_median_ms']:>9.3f}")

    failed = [bar for bar in bars if not bar["ok"]]
    add("")
    add(f"Bars: {len(bars) - len(failed)} PASS, {len(failed)} FAIL")
    if failed:
        add("!" * 78)
        for bar in failed:
            add(f"!!  FAIL ({bar['bar']}) {bar['what']}: {bar['value']} (bar {bar['limit']})")
        add("!" * 78)
    add(f"Figures written to {results['output']}")
    return "\n".join(lines)
