"""Tiled inference: tile placement by hand; a pixel-reading stand-in detector that, like a real
model, misses people smaller than a minimum size in its input (so the whole-frame letterbox of
a large canvas misses them and tiles find them) and sees a person cut by an image edge as cut;
and the over-fitted tiny model on a large canvas of embedded images (slow)."""
import cv2
import numpy as np
import pytest

from lrfg_mmpose.deploy import TiledPredictor, tile_windows
from lrfg_mmpose.structures import box_iou
from lrfg_mmpose.structures import keypoint_meta, pose_metainfo

COCO = keypoint_meta(pose_metainfo('configs/_base_/datasets/coco.py'))
REL = np.stack([np.linspace(0.2, 0.8, 17), np.linspace(0.1, 0.9, 17)], 1)  # keypoints in a box


def test_tile_windows_hand_values():
    wins = tile_windows((1000, 600), (320, 320), 0.25)
    # x: step 240 -> ceil(680 / 240) + 1 = 4 starts over [0, 680]; y: ceil(280 / 240) + 1 = 3
    assert sorted({w[0] for w in wins}) == [0, 227, 453, 680]
    assert sorted({w[1] for w in wins}) == [0, 140, 280]
    assert len(wins) == 12 and all(w[2] - w[0] == 320 and w[3] - w[1] == 320 for w in wins)
    assert tile_windows((300, 200), (320, 320)) == [(0, 0, 300, 200)]
    with pytest.raises(ValueError, match='tile overlap 1.0'):
        tile_windows((100, 100), (32, 32), 1.0)


class BlobModel:
    """Finds pure green rectangles ("people") in the image it is given, as a model with a
    320 x 320 letterboxed input that misses people under 40 px tall in that input. Keypoints at
    fixed places of the visible rectangle; a rectangle cut by the image edge gives the keypoints
    of its visible part, as a model sees only that."""
    input_size = (320, 320)
    score_thr = 0.3
    keypoints = COCO

    def __init__(self):
        self.calls = 0

    def __call__(self, image):
        self.calls += 1
        scale = min(320 / image.shape[1], 320 / image.shape[0])
        mask = ((image[..., 1] == 255) & (image[..., 0] == 0) & (image[..., 2] == 0))
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8))
        boxes, kpts = [], []
        for x, y, w, h, _ in stats[1:n]:
            if h * scale < 40:
                continue  # too small once letterboxed
            boxes.append([x, y, x + w, y + h])
            kpts.append(REL * (w, h) + (x, y))
        k = len(boxes)
        return dict(bboxes=np.asarray(boxes, np.float32).reshape(k, 4),
                    scores=np.full(k, 0.9, np.float32),
                    keypoints=np.asarray(kpts, np.float32).reshape(k, 17, 2),
                    keypoint_scores=np.full((k, 17), 0.9, np.float32))


def canvas_with(people, size=(1600, 1200)):
    image = np.full((size[1], size[0], 3), 114, np.uint8)
    for x, y, w, h in people:
        image[y:y + h, x:x + w] = (0, 255, 0)
    return image


def test_small_people_found_with_tiles_missed_without():
    people = [(100, 100, 40, 100), (700, 500, 40, 100), (1400, 1000, 40, 100)]  # 100 px tall
    image = canvas_with(people)
    assert len(BlobModel()(image)['scores']) == 0  # 1600 -> 320: 20 px tall, missed
    model = BlobModel()
    found = TiledPredictor(model)(image)
    assert model.calls == 1 + len(tile_windows((1600, 1200), (320, 320)))
    boxes = sorted(found['bboxes'].tolist())
    assert boxes == [[x, y, x + w, y + h] for x, y, w, h in people]
    np.testing.assert_allclose(found['keypoints'][np.argsort(found['bboxes'][:, 0])],
                               [REL * (w, h) + (x, y) for x, y, w, h in people], atol=1e-4)


def test_a_person_across_a_tile_edge_is_reported_once_whole():
    """Tiles of 1000 x 600 start at x 0, 227, 453, 680; the person at x 300-360 is cut by the
    first tile's right edge (320) and whole in the second (227-547)."""
    person = (300, 200, 60, 120)
    image = canvas_with([person], size=(1000, 600))
    tiled = TiledPredictor(BlobModel(), full_frame=False)
    candidates = tiled._candidates(image)
    assert len(candidates) >= 2 and any(c['cut'] for c in candidates)
    found = tiled(image)
    x, y, w, h = person
    assert found['bboxes'].tolist() == [[x, y, x + w, y + h]]
    np.testing.assert_allclose(found['keypoints'][0], REL * (w, h) + (x, y), atol=1e-4)


@pytest.mark.slow  # the over-fitted tiny model (shared fixture)
def test_the_trained_model_finds_far_people_only_with_tiles(overfit_tiny):
    """The two training images the tiny model was over-fitted on, pasted into a 1024 x 1024
    canvas where two tiles (256 x 256, starts 0, 192, 384, 576, 768) see each exactly as the
    model was trained on it (letterboxed to 256, centred on grey; the over-fitted model knows
    them at those pixels only): letterboxed whole, the canvas makes them 4 x smaller."""
    import json

    from lrfg_mmpose.deploy import TorchPredictor
    from tests.helpers import DATA
    ann = json.loads(overfit_tiny['ann_file'].read_text())
    predictor = TorchPredictor(overfit_tiny['config'], overfit_tiny['checkpoint'],
                               input_size=(256, 256), score_thr=0.3)
    canvas = np.full((1024, 1024, 3), 114, np.uint8)
    truth = []
    for image, (cx, cy) in zip(ann['images'], [(0, 0), (576, 384)]):
        picture = cv2.imread(str(DATA / 'train2017' / image['file_name']))
        s = 256 / max(picture.shape[:2])
        small = cv2.resize(picture, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
        cx, cy = cx + (256 - small.shape[1]) // 2, cy + (256 - small.shape[0]) // 2
        canvas[cy:cy + small.shape[0], cx:cx + small.shape[1]] = small
        truth += [np.asarray(a['bbox']) * s + (cx, cy, 0, 0) for a in ann['annotations']
                  if a['image_id'] == image['id'] and a['num_keypoints'] > 0]

    def found(people):
        if not len(people['bboxes']):
            return 0
        xyxy = np.asarray([[x, y, x + w, y + h] for x, y, w, h in truth])
        return int((box_iou(xyxy, people['bboxes']).max(axis=1) > 0.5).sum())

    whole, tiled = found(predictor(canvas)), found(TiledPredictor(predictor)(canvas))
    print(f'\n{len(truth)} people: {whole} found letterboxed whole, {tiled} with tiles')
    # measured on an Intel Xeon: 4 of 5 with tiles, 0 whole (a margin of one for other CPUs)
    assert tiled >= (len(truth) + 1) // 2 and tiled > whole



def test_tile_speed_rows():
    """tools/tile_benchmark.py's rows: tiles counted as run (a frame within one tile runs whole
    only), every time measured."""
    from lrfg_mmpose.deploy.tiles import tile_speed
    rows = tile_speed(BlobModel(), canvas_with([]), [(300, 200), (1000, 600)], repeats=1)
    assert [r['tiles'] for r in rows] == [0, 12] and [r['size'] for r in rows] == [(300, 200),
                                                                                    (1000, 600)]
    assert all(r['whole_ms'] > 0 and r['tiled_ms'] > 0 for r in rows)
