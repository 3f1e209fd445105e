"""Make the embedded data subset ``data/coco-mini`` from a larger COCO-layout folder.

Keeps every image with at least one keypoint-annotated person, every image whose people
carry no keypoints (crowd regions, unlabelled people) and ``--num-empty`` images without
people, with all their original annotation records. Usage::

    python tools/make_coco_mini.py SRC_ROOT data/coco-mini
"""
import argparse
import json
import shutil
from pathlib import Path


def subset(src: Path, dst: Path, split: str, num_empty: int) -> dict:
    ann_file = src / 'annotations' / f'person_keypoints_{split}.json'
    coco = json.loads(ann_file.read_text())
    per_image = {}
    for ann in coco['annotations']:
        per_image.setdefault(ann['image_id'], []).append(ann)
    keep, empty = [], []
    for img in sorted(coco['images'], key=lambda i: i['id']):
        (keep if img['id'] in per_image else empty).append(img)
    keep += empty[:num_empty]
    ids = {img['id'] for img in keep}
    out = dict(coco, images=keep, annotations=[a for a in coco['annotations'] if a['image_id'] in ids])
    (dst / 'annotations').mkdir(parents=True, exist_ok=True)
    (dst / split).mkdir(parents=True, exist_ok=True)
    (dst / 'annotations' / ann_file.name).write_text(json.dumps(out))
    for img in keep:
        shutil.copy2(src / split / img['file_name'], dst / split / img['file_name'])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', type=Path, help='COCO-layout root with annotations/ and *2017/')
    parser.add_argument('dst', type=Path, help='output root')
    parser.add_argument('--num-empty', type=int, default=2, help='images without people per split')
    args = parser.parse_args()
    for split in ('train2017', 'val2017'):
        out = subset(args.src, args.dst, split, args.num_empty)
        n_kpt = sum(a['num_keypoints'] > 0 for a in out['annotations'])
        print(f"{split}: {len(out['images'])} images, {len(out['annotations'])} persons "
              f"({n_kpt} with keypoints, {sum(a['iscrowd'] for a in out['annotations'])} crowd)")


if __name__ == '__main__':
    main()
