"""Renames a subset Liberation Sans face to "Encours Sans" (OFL 1.1 Reserved Font Names) and
records in its name table that it is a modified version. Usage: rename.py FILE Regular|Bold"""
import sys
from fontTools.ttLib import TTFont

path, face = sys.argv[1], sys.argv[2]
font = TTFont(path)
names = font["name"]
family = "Encours Sans"
ps = f"EncoursSans-{face}"
for rec in list(names.names):
    if rec.nameID in (1, 16):
        names.setName(family, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
    elif rec.nameID in (2, 17):
        names.setName(face, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
    elif rec.nameID == 3:
        names.setName(f"{ps}; 2.1.5-subset", 3, rec.platformID, rec.platEncID, rec.langID)
    elif rec.nameID == 4:
        names.setName(f"{family} {face}" if face != "Regular" else family, 4, rec.platformID, rec.platEncID, rec.langID)
    elif rec.nameID == 6:
        names.setName(ps, 6, rec.platformID, rec.platEncID, rec.langID)
    elif rec.nameID in (18, 21, 22):
        names.removeNames(nameID=rec.nameID)
names.setName("Subset of Liberation Sans 2.1.5 (SIL OFL 1.1) made for Encours: see assets/fonts/README.md", 10, 3, 1, 0x409)
# The Reserved Font Name must not stay in any name that identifies the font.
for rec in names.names:
    if rec.nameID in (1, 3, 4, 6, 16) and "Liberation" in rec.toUnicode():
        sys.exit(f"name {rec.nameID} still says Liberation: {rec.toUnicode()}")
font.save(path)
