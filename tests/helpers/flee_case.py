"""A small Flee case folder, as Flee 3.1 reads it, written for a test."""

from __future__ import annotations

from pathlib import Path

#: the files of a three-location Flee case (conflict zone A, town B, camp C), as Flee 3.1 reads them
FLEE_CASE_FILES = {
    "input_csv/locations.csv": (
        "#name,region,country,latitude,longitude,location_type,conflict_date,population\n"
        "A,R,Home,1.0,2.0,conflict_zone,0,1000\n"
        "B,R,Home,1.5,2.5,town,,500\n"
        "C,R2,Abroad,2.0,3.0,camp,,\n"
    ),
    "input_csv/routes.csv": "#name1,name2,distance,forced_redirection\nA,B,100,0\nB,C,200,\n",
    "input_csv/closures.csv": "#closure_type,name1,name2,closure_start,closure_end\n",
    "input_csv/conflicts.csv": "#Day,A\n0,1\n1,1\n2,1\n3,1\n4,1\n",
    "input_csv/sim_period.csv": "StartDate,2020-01-01\nLength,5\n",
    "input_csv/registration_corrections.csv": "",
    "source_data/data_layout.csv": "total,refugees.csv\nC,c.csv\n",
    "source_data/refugees.csv": "2020-01-01,0\n2020-01-05,400\n",
    "source_data/c.csv": "2020-01-01,0\n2020-01-05,400\n",
}


def make_flee_case(tmp_path: Path, changes: dict[str, str | None] | None = None, *, crlf: bool = False) -> Path:
    """A small Flee case folder (``tmp_path/case``): files of :data:`FLEE_CASE_FILES`, ``changes`` applied
    (None removes a file), optionally with Windows line ends."""
    files = dict(FLEE_CASE_FILES)
    files.update(changes or {})
    for name, text in files.items():
        if text is None:
            continue
        path = tmp_path / "case" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if crlf:
            text = text.replace("\n", "\r\n")
        path.write_bytes(text.encode("utf-8"))
    return tmp_path / "case"
