#!/usr/bin/env bash
# Seeds the fuzz corpora from the shared test corpus (../shared/corpus beside the repository).
set -euo pipefail
cd "$(dirname "$0")"
corpus="${1:-../../../../shared/corpus}"
# Where the libFuzzer corpora go: corpus/ (kept between runs), or a fresh folder (tests/fuzz/run.sh).
out="${FUZZ_CORPUS_DIR:-corpus}"
mkdir -p "$out"/read_xml "$out"/read_pdf "$out"/inspect "$out"/read_bank "$out"/read_cdar "$out"/read_fec \
  "$out"/read_ibm "$out"/xml_edits seeds/xml_edits
# xml_edits: the documents its edit scripts apply to (one of each kind), and a few first scripts.
cp "$corpus"/cii/factur-x-en16931.xml "$corpus"/cii/CII_example1.xml "$corpus"/ubl/*.xml seeds/xml_edits/ 2>/dev/null || true
cp "$corpus"/bank/camt053.v2.minimal.xml "$corpus"/bank/camt054.v8.xml seeds/xml_edits/
cp "$corpus"/lifecycle/*.xml seeds/xml_edits/ 2>/dev/null || true
for i in 0 1 2 3 4 5 6 7; do printf "\\x0$i\\x0$i\\x40\\x07\\x03\\x80\\x21" > "$out/xml_edits/script-$i"; done
# read_ibm: a first byte 1 means "after the header" (see the target).
printf '\x01FR,0379-NSVTD,1/3/2013,2421,1/2/2013,2/1/2013,62.43,No,1/15/2013,Paper,13,0\n' > "$out"/read_ibm/one-line
cp "$corpus"/cii/* "$corpus"/ubl/* "$out"/read_xml/
cp "$corpus"/bank/* "$out"/read_bank/
cp "$corpus"/lifecycle/* "$out"/read_cdar/
# read_fec: a first byte 0 means "raw bytes" (the target's other mode builds a header first).
for f in "$corpus"/fec/*FEC*; do
  { printf '\x00'; head -c 20000 "$f"; } > "$out/read_fec/$(basename "$f")"
done
cp "$corpus"/facturx/*.pdf "$out"/read_pdf/
printf '\x0812,15' > "$out"/inspect/amount
printf '\x06Pénalités : 3 fois le taux légal' > "$out"/inspect/note
# A tiny hybrid PDF (catalog, name tree, /AF, an uncompressed factur-x.xml, XMP), so that the
# mutations of read_pdf also reach the lazy reader's happy path quickly.
python3 - "$corpus/cii/factur-x-minimum.xml" > "$out"/read_pdf/tiny-facturx.pdf <<'PY'
import sys
xml = open(sys.argv[1], "rb").read()
xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" fx:ConformanceLevel="MINIMUM" fx:DocumentFileName="factur-x.xml" fx:DocumentType="INVOICE" fx:Version="1.0" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" pdfaid:part="3"/></rdf:RDF></x:xmpmeta>'
objects = [
    b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(factur-x.xml) 3 0 R] >> >> /AF [3 0 R] /Metadata 5 0 R >>",
    b"<< /Type /Pages /Kids [] /Count 0 >>",
    b"<< /Type /Filespec /F (factur-x.xml) /UF (factur-x.xml) /AFRelationship /Data /EF << /F 4 0 R >> >>",
    b"<< /Type /EmbeddedFile /Subtype /text#2Fxml /Length %d >>\nstream\n" % len(xml) + xml + b"\nendstream",
    b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(xmp) + xmp + b"\nendstream",
]
out = bytearray(b"%PDF-1.7\n")
offsets = []
for i, body in enumerate(objects, 1):
    offsets.append(len(out))
    out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
xref = len(out)
out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
for o in offsets:
    out += b"%010d 00000 n \n" % o
out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
sys.stdout.buffer.write(bytes(out))
PY
