"""Hostile inputs: files that claim or decompress to gigabytes, empty light-curve cells, outputs that
would destroy inputs. Every file here is small; the huge ones only claim their size in a header."""

from __future__ import annotations

import contextlib
import errno
import gzip
import os
import struct
import zlib

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS
from conftest import TINY_CONFIGS
from PIL import Image

import astrozoo
from astrozoo.builders import build_from_config
from astrozoo.cli import main
from astrozoo.errors import InputError
from astrozoo.io import read_lightcurve, read_pixels, read_table
from astrozoo.io.limits import MAX_DECODED_MB_VARIABLE, max_decoded_bytes, max_decoded_mb
from astrozoo.io.table_chunks import table_chunks
from astrozoo.io.tables import read_text


@pytest.fixture(scope="module")
def lightcurve_model(tmp_path_factory):
    args = {**TINY_CONFIGS["recurrent-gru"][1], "bands": ["g"]}
    return astrozoo.save(build_from_config("recurrent", args), tmp_path_factory.mktemp("models") / "tiny-rr")


def _png_claiming(path, width: int, height: int):
    """A PNG whose header claims ``width`` x ``height`` RGB pixels, with almost no pixel data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )  # fmt: skip
    return path


def _fits_claiming(path, axes: tuple[int, ...]):
    """A gzipped FITS header claiming float32 data of ``axes`` (NAXIS1 first), without the data."""
    header = fits.Header([("SIMPLE", True), ("BITPIX", -32), ("NAXIS", len(axes))])
    for i, n in enumerate(axes, 1):
        header[f"NAXIS{i}"] = n
    path.write_bytes(gzip.compress(header.tostring().encode()))
    return path


def _good_png(path, seed=0):
    pixels = np.random.default_rng(seed).integers(0, 255, (20, 20, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)
    return path


# 1. and 2. Images: bombs and huge claims become error rows, the good files are predicted.


def test_a_batch_of_image_bombs_gives_error_rows_and_predicts_the_good_files(galaxy_model, tmp_path):
    paths = [
        _good_png(tmp_path / "good0.png"),
        _png_claiming(tmp_path / "bomb.png", 20000, 20000),  # Pillow's own DecompressionBombError
        _png_claiming(tmp_path / "huge.png", 12000, 12000),  # under Pillow's limit, over the budget
        _fits_claiming(tmp_path / "cube.fits.gz", (8000, 8000, 3)),
        _good_png(tmp_path / "good1.png", seed=1),
    ]
    table = astrozoo.predict(str(galaxy_model), paths)
    errors = list(table["error"])
    assert [bool(e) for e in errors] == [False, True, True, True, False]
    assert "decompression bomb" in errors[1]
    assert "decodes to 1647.9 MiB (12000x12000x3 float32 pixels)" in errors[2]
    assert "decodes to 732.4 MiB" in errors[3] and "ASTROZOO_MAX_DECODED_MB" in errors[3]
    assert np.isfinite(table["p_spiral"][[0, 4]]).all()


def test_the_budget_is_adjustable_by_context_environment_and_command_line(
    galaxy_model, tmp_path, monkeypatch, capsys
):
    path = _good_png(tmp_path / "good.png")  # 20x20x3 float32 pixels: 4800 bytes
    assert max_decoded_bytes() == 512 << 20
    with max_decoded_mb(0.004):
        with pytest.raises(InputError, match="decodes to 0.0 MiB"):
            read_pixels(path)
    read_pixels(path)  # the budget is back
    monkeypatch.setenv(MAX_DECODED_MB_VARIABLE, "0.004")
    with pytest.raises(InputError, match="more than the 0.0 MiB"):
        read_pixels(path)
    monkeypatch.setenv(MAX_DECODED_MB_VARIABLE, "lots")
    assert main(["predict", str(galaxy_model), str(path), "--no-progress"]) == 2
    assert (
        "ASTROZOO_MAX_DECODED_MB: expected a positive number of MiB. Received: 'lots'"
        in capsys.readouterr().err
    )
    monkeypatch.delenv(MAX_DECODED_MB_VARIABLE)
    assert main(["predict", str(galaxy_model), str(path), "--no-progress", "--max-input-mb", "0.004"]) == 3
    assert "decodes to" in capsys.readouterr().out
    assert MAX_DECODED_MB_VARIABLE not in os.environ


def test_a_large_jpeg_is_decoded_at_a_reduced_scale_within_the_budget(tmp_path):
    path = tmp_path / "large.jpg"
    Image.new("RGB", (400, 200), (40, 80, 120)).save(path)
    with max_decoded_mb(0.5), pytest.warns(UserWarning, match=r"read at 200x100 \(1/2 scale\)"):
        pixels = read_pixels(path)
    assert pixels.shape == (100, 200, 3)


def test_a_large_fits_image_is_read_around_the_field_the_model_needs(tmp_path):
    wcs = WCS(naxis=2)
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.cdelt = [-0.0005, 0.0005]  # 1.8 arcsec pixels
    wcs.wcs.crpix, wcs.wcs.crval = [200, 150], [150.0, 2.0]
    data = np.random.default_rng(0).normal(size=(301, 400)).astype("f4")  # odd and even sides
    path = tmp_path / "mosaic.fits.gz"
    fits.PrimaryHDU(data, header=wcs.to_header()).writeto(path)
    whole = read_pixels(path, 1, field_of_view_arcsec=54.0)
    with max_decoded_mb(0.2), pytest.warns(UserWarning, match="read only the central"):
        part = read_pixels(path, 1, field_of_view_arcsec=54.0)
    np.testing.assert_array_equal(part, whole)  # the same 30x30 field, without reading the whole image
    with max_decoded_mb(0.2), pytest.raises(InputError, match="decodes to 0.5 MiB"):
        read_pixels(path, 1)  # no field to cut: the whole image is needed


# 1. Any exception a reader raises is that input's error row.


@pytest.mark.parametrize("failure", [RuntimeError("reader bug"), MemoryError("out of memory")])
def test_an_unforeseen_reader_failure_is_an_error_row(galaxy_model, tmp_path, monkeypatch, failure):
    from astrozoo.prediction import files

    paths = [_good_png(tmp_path / "a.png"), _good_png(tmp_path / "b.png", 1)]
    real = files.read_model_input

    def flaky(path, expected):
        if path.name == "a.png":
            raise failure
        return real(path, expected)

    monkeypatch.setattr(files, "read_model_input", flaky)
    table = astrozoo.predict(str(galaxy_model), paths)
    assert list(table["error"]) == [f"{type(failure).__name__}: {failure}", ""]


def test_an_unforeseen_table_reader_failure_is_an_error_row(table_model, tmp_path, monkeypatch):
    from astrozoo.prediction import table_rows

    path = tmp_path / "stars.csv"
    path.write_text("u,g,r\n19,18,17\n")

    def broken(*args, **kwargs):
        raise KeyError("odd")
        yield

    monkeypatch.setattr(table_rows, "table_chunks", broken)
    table = astrozoo.predict(str(table_model), [path])
    assert list(table["error"]) == ["KeyError: 'odd'"]


# 2. Compressed text: counted while decompressing.


def test_compressed_text_of_blank_lines_is_refused_while_decompressing(table_model, tmp_path, monkeypatch):
    from astrozoo.io import table_chunks as chunks

    monkeypatch.setattr(chunks, "CSV_READ_AHEAD_BYTES", 8 << 20)  # (256 MiB: too many newlines for a test)
    blank = gzip.compress(b"u,g,r\n" + b"\n" * (20 << 20))  # 20 kB on disk, 20 MiB decompressed
    csv_path, text_path = tmp_path / "blank.csv.gz", tmp_path / "blank.txt.gz"
    csv_path.write_bytes(blank)
    text_path.write_bytes(blank)
    with max_decoded_mb(1):
        with pytest.raises(InputError, match="decompresses to more than the 1.0 MiB"):
            read_text(text_path)
        with pytest.raises(InputError, match="decompresses to more than"):
            read_table(text_path)
        with pytest.raises(InputError, match="more than 9.0 MiB of text without a row"):
            list(table_chunks(csv_path, ["u", "g", "r"]))
        table = astrozoo.predict(str(table_model), [csv_path, text_path])
    assert [e.split(": ", 1)[1][:36] for e in table["error"]] == [
        "decompresses to more than 9.0 MiB of",
        "decompresses to more than the 1.0 Mi",
    ]


def test_a_long_streamed_catalogue_is_not_limited_by_the_budget(tmp_path):
    path = tmp_path / "stars.csv.gz"
    path.write_bytes(gzip.compress(b"u,g,r\n" + b"19.5,18.25,17.125\n" * 1_000_000))  # 17 MiB of text
    with max_decoded_mb(1):
        assert sum(len(chunk) for chunk in table_chunks(path, ["u", "g", "r"])) == 1_000_000


def test_a_csv_line_longer_than_a_block_is_refused(tmp_path):
    path = tmp_path / "one_line.csv"
    path.write_bytes(b"u,g,r\n" + b"1" * (9 << 20))
    with pytest.raises(InputError, match="a line longer than 4 MiB"):
        list(table_chunks(path, ["u", "g", "r"]))


# 3. Light curves: empty cells are no data, not magnitude 0.


def _lightcurve(path, mags):
    rows = "".join(f"{50000 + 0.37 * i},{m},0.02,g\n" for i, m in enumerate(mags))
    path.write_text("time,mag,magerr,band\n" + rows)
    return path


def test_empty_magnitudes_are_dropped_with_a_warning_not_read_as_zero(tmp_path):
    path = _lightcurve(tmp_path / "star.csv", ["" if i % 2 else 17.0 + i / 100 for i in range(20)])
    with pytest.warns(UserWarning, match=r"dropped 10 of 20 observations .*\(10 in mag\)"):
        ts = read_lightcurve(path)
    assert len(ts) == 10 and float(np.min(ts["mag"])) >= 17.0


def test_a_light_curve_without_magnitudes_is_an_error_row(lightcurve_model, tmp_path):
    blank = _lightcurve(tmp_path / "blank.csv", [""] * 20)
    good = _lightcurve(tmp_path / "good.csv", [17.0 + (i % 3) / 10 for i in range(20)])
    table = astrozoo.predict(str(lightcurve_model), [blank, good])
    assert "no valid observation" in table["error"][0] and "20 in mag" in table["warning"][0]
    assert table["error"][1] == ""


def test_a_light_curve_of_too_many_points_is_refused(tmp_path, monkeypatch):
    from astrozoo.io import lightcurves

    monkeypatch.setattr(lightcurves, "MAX_LIGHTCURVE_POINTS", 50)
    path = _lightcurve(tmp_path / "long.csv", [17.0] * 51)
    with pytest.raises(InputError, match="51 observations, more than the 50 astrozoo reads"):
        read_lightcurve(path)


# 4. Outputs.


def test_an_output_that_is_an_input_is_refused_before_the_run(table_model, tmp_path, capsys):
    folder = tmp_path / "catalogue"
    folder.mkdir()
    stars = folder / "stars.csv"
    stars.write_text("u,g,r\n19,18,17\n")
    (tmp_path / "link.csv").symlink_to(stars)
    for inputs, output in (
        ([stars], stars),
        ([folder], stars),
        ([folder], tmp_path / "link.csv"),
        ([tmp_path / "link.csv"], stars),
    ):
        assert main(["predict", str(table_model), *map(str, inputs), "-o", str(output), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("astrozoo: error: Output") and "is an input file" in err
        assert err.count("\n") == 1
    assert stars.read_text() == "u,g,r\n19,18,17\n"


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_outputs_respect_the_umask(table_model, tmp_path, umask):
    stars = tmp_path / "stars.csv"
    stars.write_text("u,g,r\n19,18,17\n")
    saved = os.umask(umask)
    try:
        assert (
            main(["predict", str(table_model), str(stars), "-o", str(tmp_path / "out.csv"), "--no-progress"])
            == 0
        )
    finally:
        os.umask(saved)
    assert (tmp_path / "out.csv").stat().st_mode & 0o777 == 0o666 & ~umask


def test_an_output_that_cannot_be_written_is_refused_before_the_run(table_model, tmp_path, capsys):
    stars = tmp_path / "stars.csv"
    stars.write_text("u,g,r\n19,18,17\n")
    (tmp_path / "folder.csv").mkdir()
    outputs = {
        "out.json": "expected a file name ending in",
        "folder.csv": "is a folder",
        "stars.csv/out.csv": "is a file, not a folder",
    }
    for output, message in outputs.items():
        assert (
            main(["predict", str(table_model), str(stars), "-o", str(tmp_path / output), "--no-progress"])
            == 2
        )
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert (
        main(["predict", str(table_model), str(stars), "-o", "/proc/astrozoo-out.csv", "--no-progress"]) == 2
    )
    assert "cannot be written in '/proc'" in capsys.readouterr().err


def test_a_failed_write_is_one_line_without_a_traceback(table_model, tmp_path, monkeypatch, capsys):
    from astrozoo.io import table_writers

    @contextlib.contextmanager
    def full_disk(sink, file_format):
        def write(chunk):
            raise OSError(errno.ENOSPC, "No space left on device")

        yield write

    monkeypatch.setattr(table_writers, "_arrow_writer", full_disk)
    stars = tmp_path / "stars.csv"
    stars.write_text("u,g,r\n19,18,17\n")
    output = tmp_path / "out.csv"
    assert main(["predict", str(table_model), str(stars), "-o", str(output), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert err == f"astrozoo: error: cannot write {output}: [Errno 28] No space left on device\n"
    assert not list(tmp_path.glob("*out.csv*"))  # no half-written file left


# 6. Smaller: unreadable folders, huge cells, numbers that overflow.


def test_an_unreadable_subfolder_is_named_in_a_warning(tmp_path, monkeypatch):
    from astrozoo.io.discover import UnreadableFolderWarning, find_inputs

    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "a.csv").write_text("u,g,r\n1,2,3\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "b.csv").write_text("u,g,r\n1,2,3\n")
    real_scandir = os.scandir

    def scandir(path="."):  # chmod 000 does not stop root, so refuse the listing as the OS would
        if os.fspath(path) == str(locked):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.warns(UnreadableFolderWarning, match="locked"):
        assert find_inputs(tmp_path, "table") == [tmp_path / "ok" / "a.csv"]


def test_a_huge_text_cell_is_quoted_by_a_short_prefix(table_model, tmp_path):
    path = tmp_path / "stars.csv"
    path.write_text(f"u,g,r\n19,18,17\n19,{'x' * 1_000_000},17\n")
    error = astrozoo.predict(str(table_model), [path])["error"][1]
    assert len(error) < 300 and "'" + "x" * 80 + "…'" in error, error


def test_a_number_of_many_digits_is_not_a_finite_number(table_model, tmp_path):
    path = tmp_path / "stars.csv"
    path.write_text(f"u,g,r\n19,18,17\n19,{'9' * 100_000},17\n19,,17\n")
    errors = list(astrozoo.predict(str(table_model), [path])["error"])
    assert errors[0] == ""
    assert errors[1].endswith("row 1 holds values that are not finite numbers in columns ['g'].")
    assert errors[2] == ""  # this model reads an empty cell as its missing_value
