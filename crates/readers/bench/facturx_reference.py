#!/usr/bin/env python3
"""Times the Python reference library on the hybrid PDFs of a corpus: `facturx.get_xml_from_pdf`
(pypdf + lxml; XSD check off, so it is the extraction alone), per file, in memory.

    pip install factur-x            # in a virtualenv: python3 -m venv /tmp/fxvenv
    python3 crates/readers/bench/facturx_reference.py ../shared/corpus        # a table
    python3 crates/readers/bench/facturx_reference.py --json ../shared/corpus # what bench_read reads

Per file: the median of repeated runs (at least 5 runs and 0.2 s). Files the library refuses are
timed too (a refusal costs time as well) and marked.
"""
import json
import logging
import statistics
import sys
import time
from pathlib import Path

MIN_RUNS = 5
MIN_SECONDS = 0.2


def time_file(get_xml_from_pdf, data):
    ok = True
    runs = []
    started = time.perf_counter()
    while len(runs) < MIN_RUNS or time.perf_counter() - started < MIN_SECONDS:
        t0 = time.perf_counter()
        try:
            name, xml = get_xml_from_pdf(data, check_xsd=False)
            ok = bool(xml)
        except Exception:  # the reference refuses broken files by raising
            ok = False
        runs.append(time.perf_counter() - t0)
        if len(runs) >= 1000:
            break
    return statistics.median(runs), ok


def main(argv):
    as_json = "--json" in argv
    args = [a for a in argv if a != "--json"]
    corpus = Path(args[0] if args else "../shared/corpus")
    try:
        import facturx
    except ImportError:
        sys.exit("the factur-x package is missing: pip install factur-x")
    logging.disable(logging.CRITICAL)  # the library logs every refusal
    pdfs = sorted((corpus / "facturx").glob("*.pdf"))
    results = {}
    for pdf in pdfs:
        data = pdf.read_bytes()
        median, ok = time_file(facturx.get_xml_from_pdf, data)
        results[pdf.name] = {"median_s": median, "ok": ok, "bytes": len(data)}
    if as_json:
        version = getattr(facturx, "__version__", None) or getattr(facturx.facturx, "VERSION", "?")
        json.dump({"library": f"factur-x {version}", "python": sys.version.split()[0], "files": results}, sys.stdout)
        return
    for name, r in results.items():
        print(f"{name:<55} {r['median_s'] * 1000:9.3f} ms {'' if r['ok'] else '(refused)'}")
    times = [r["median_s"] for r in results.values()]
    print(f"{len(times)} PDFs: median {statistics.median(times) * 1000:.3f} ms, mean {statistics.mean(times) * 1000:.3f} ms, "
          f"{1 / statistics.mean(times):.1f} files/s")


if __name__ == "__main__":
    main(sys.argv[1:])
