"""Image files: each kind of bad file gets its cause; odd but valid images pass; the parallel
check caches by path, size and modification time."""
import os
from unittest import mock

import cv2
import numpy as np
import pytest

from lrfg_mmpose.fileio import BadImageError, check_images, inspect_image, read_image
from lrfg_mmpose.fileio import image_check
from tests.helpers import DATA

REAL = sorted((DATA / 'train2017').glob('*.jpg'))[0]


def bad_files(tmp_path):
    """{name: (path, expected cause)} for every kind of bad file."""
    data = REAL.read_bytes()
    png = cv2.imencode('.png', cv2.imread(str(REAL)))[1].tobytes()
    files = {
        'missing': (b'', 'missing'),
        'empty.jpg': (b'', r'empty file \(0 bytes\)'),
        'text.jpg': (b'hello, I am not a picture\n', r"not an image \(the file begins with b'hello, "),
        'truncated.jpg': (data[:len(data) // 2], r'truncated JPEG \(\d+ bytes, its end marker'),
        'truncated.png': (png[:len(png) - 200], r'truncated PNG'),
        # a JPEG signature and end marker around no valid header
        'corrupt.jpg': (b'\xff\xd8\xff' + bytes(5000) + b'\xff\xd9', r'corrupt JPEG data'),
        'anim.gif': (b'GIF89a' + bytes(100), r'GIF image, which OpenCV cannot read'),
        'folder.jpg': (None, r'a folder, not an image file'),
    }
    out = {}
    for name, (content, cause) in files.items():
        path = tmp_path / name
        if content is None:
            path.mkdir()
        elif name != 'missing':
            path.write_bytes(content)
        out[name] = (path, cause)
    return out


def test_opencv_refuses_truncated_jpeg():
    """The check relies on OpenCV 4 giving None for a JPEG that ends early (older builds gave
    a grey-filled image)."""
    data = REAL.read_bytes()
    for frac in (0.3, 0.9, 0.99):
        cut = np.frombuffer(data[:int(len(data) * frac)], np.uint8)
        assert cv2.imdecode(cut, cv2.IMREAD_COLOR) is None
        assert cv2.imdecode(cut, cv2.IMREAD_REDUCED_COLOR_8) is None


def test_each_bad_file_gets_its_cause(tmp_path):
    for name, (path, cause) in bad_files(tmp_path).items():
        with pytest.raises(BadImageError, match=cause) as err:
            read_image(path)
        assert str(err.value).startswith(f'{path}: ')
        assert inspect_image(path).cause == err.value.cause, name


def test_odd_but_valid_images_decode(tmp_path):
    """Grayscale, RGBA, CMYK, 1 x 1, 6000 x 4000, 20 x 1200 pass, at their own size."""
    from PIL import Image
    rgb = cv2.imread(str(REAL))[..., ::-1]
    images = {
        'gray.jpg': Image.fromarray(rgb).convert('L'),
        'rgba.png': Image.fromarray(rgb).convert('RGBA'),
        'cmyk.jpg': Image.fromarray(rgb).convert('CMYK'),
        'one.png': Image.new('RGB', (1, 1)),
        'big.jpg': Image.new('RGB', (6000, 4000), (40, 90, 200)),
        'thin.jpg': Image.new('RGB', (20, 1200), (200, 10, 10)),
    }
    for name, im in images.items():
        path = tmp_path / name
        im.save(path)
        assert read_image(path).shape == (im.height, im.width, 3), name
        info = inspect_image(path)
        assert info.cause is None, name
        reduction = 8 if name.endswith('.jpg') else 1
        assert info.size_wh == (-(-im.width // reduction), -(-im.height // reduction)), name


def test_check_images_caches_by_size_and_mtime(tmp_path):
    paths = []
    for i in range(5):
        paths.append(tmp_path / f'{i}.jpg')
        paths[-1].write_bytes(REAL.read_bytes())
    paths[3].write_bytes(REAL.read_bytes()[:5000])
    cache = tmp_path / 'cache' / 'check.json'
    first = check_images(paths, cache_file=cache, workers=2)
    assert first.decoded == 5 and list(first.bad) == [str(paths[3])]
    assert first.bad[str(paths[3])].startswith('truncated JPEG')
    with mock.patch.object(image_check, 'inspect_image', wraps=image_check.inspect_image) as spy:
        again = check_images(paths, cache_file=cache, workers=2)
        assert spy.call_count == 0 and again.decoded == 0 and again.bad == first.bad
        # Mended in place (new size and mtime): decoded again, and now good.
        paths[3].write_bytes(REAL.read_bytes())
        os.utime(paths[3], ns=(1, 10**18))
        mended = check_images(paths, cache_file=cache, workers=2)
        assert spy.call_count == 1 and mended.bad == {}
    # A check of a subset (another dataset of the same folder) keeps the others' entries.
    check_images(paths[:2], cache_file=cache)
    assert check_images(paths, cache_file=cache).decoded == 0
    # A damaged cache file only costs a slower start.
    cache.write_text('{not json')
    assert check_images(paths, cache_file=cache).decoded == 5


def test_size_against_the_annotation(tmp_path):
    h, w = cv2.imread(str(REAL)).shape[:2]
    path = tmp_path / 'a.jpg'
    path.write_bytes(REAL.read_bytes())
    png = tmp_path / 'a.png'
    cv2.imwrite(str(png), cv2.imread(str(REAL)))
    good = check_images([path, png], {str(path): (w, h), str(png): (w, h)})
    assert good.bad == {}
    bad = check_images([path, png], {str(path): (h, w), str(png): (w + 1, h)}).bad
    assert bad[str(path)] == (f'the image is about {-(-w // 8) * 8}x{-(-h // 8) * 8} but the '
                              f'annotation says {h}x{w} (rotated by its EXIF orientation?)')
    assert bad[str(png)] == f'the image is {w}x{h} but the annotation says {w + 1}x{h}'


def test_parallel_check_equals_one_by_one(tmp_path):
    files = bad_files(tmp_path)
    paths = [p for p, _ in files.values()] + sorted((DATA / 'val2017').glob('*.jpg'))[:8]
    parallel = check_images(paths, workers=4).bad
    assert parallel == {str(p): inspect_image(p).cause for p in paths if inspect_image(p).cause}
    assert len(parallel) == len(files)
