#!/usr/bin/env bash
# Makes EncoursSans-Regular.ttf and EncoursSans-Bold.ttf, the faces every Encours document is set
# in, from Liberation Sans 2 (Debian 12 package fonts-liberation2 2.1.5, SIL OFL 1.1).
#
# Why a subset made once: a PDF embeds the font it uses; subsetting it again for every letter
# cost ~2 ms per face (issue 7 asks for 500 letters/s). These files hold only what French
# business letters print, have no hinting (PDF viewers rasterise at print resolution) and no
# OpenType layout tables (the renderer does not shape text), so a letter embeds them as they are.
#
# Why renamed: "Liberation" and "Arimo" are Reserved Font Names (see OFL.txt); an OFL font that
# is modified (a subset is) must not use them, hence the family name "Encours Sans".
#
# Run (needs fonttools, e.g. `python3 -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools==4.68.0`):
#   PATH=/tmp/ft/bin:$PATH assets/fonts/make-fonts.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src=/usr/share/fonts/truetype/liberation2
# ASCII, Latin-1, Latin Extended-A (Œ œ Ÿ and the accented capitals of names), the typographic
# punctuation (‐ – — ‘ ’ ‚ “ ” „ • … ‰ ‹ ›), U+202F narrow no-break space (French thousands),
# € and ™, № and the minus sign.
unicodes="U+0020-007E,U+00A0-00FF,U+0100-017F,U+0192,U+02C6,U+02DC,U+2010-2027,U+202F,U+2030,U+2039-203A,U+20AC,U+2116,U+2122,U+2212"
for face in Regular Bold; do
  pyftsubset "$src/LiberationSans-$face.ttf" --unicodes="$unicodes" --no-hinting --layout-features='' \
    --name-IDs='*' --name-languages='*' --notdef-outline --drop-tables+=DSIG,FFTM,GDEF,GPOS,GSUB,kern \
    --output-file="$here/EncoursSans-$face.ttf"
  python3 "$here/rename.py" "$here/EncoursSans-$face.ttf" "$face"
done
ls -l "$here"/*.ttf
