#!/usr/bin/env bash
# Seeds the fuzz corpora from the shared test corpus (../shared/corpus beside the repository).
set -euo pipefail
cd "$(dirname "$0")"
corpus="${1:-../../../../shared/corpus}"
mkdir -p corpus/read_xml corpus/read_pdf corpus/inspect
cp "$corpus"/cii/* "$corpus"/ubl/* corpus/read_xml/
cp "$corpus"/facturx/*.pdf corpus/read_pdf/
printf '\x0812,15' > corpus/inspect/amount
printf '\x06Pénalités : 3 fois le taux légal' > corpus/inspect/note
