#!/usr/bin/env python3
"""An independent implementation of the evaluation protocol of spec §7, to check `itaclip eval`.

Reads the label maps that `itaclip eval --save_predictions DIR` wrote and the ground truth, and
computes mmseg's IoUMetric with numpy: per image, drop ground-truth pixels equal to the ignore index
(255), histogram pred[pred == gt], pred and gt over [0, num_classes), union = pred + gt - intersect;
sum over the dataset; IoU = sum I / sum U (0/0 = NaN), mIoU = nanmean(IoU) * 100, aAcc = sum I /
sum gt * 100. Then compares with the command's JSON: every per-class count exactly, and mIoU, mAcc
and aAcc to 1e-9.

Usage: eval_miou_reference.py --json OUT.json --predictions DIR --ground-truth DIR
           --gt-suffix .mask.png --ids ID,ID,...
"""

import argparse
import json
import math
import sys

import cv2
import numpy as np

IGNORE_INDEX = 255


def image_counts(pred, gt, num_classes):
    mask = gt != IGNORE_INDEX
    pred = pred[mask].astype(np.int64)
    gt = gt[mask].astype(np.int64)
    intersect = pred[pred == gt]
    area_intersect = np.bincount(intersect, minlength=num_classes)[:num_classes]
    area_pred = np.bincount(pred, minlength=num_classes)[:num_classes]
    area_label = np.bincount(gt, minlength=num_classes)[:num_classes]
    return area_intersect, area_pred + area_label - area_intersect, area_pred, area_label


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--json', required=True)
    parser.add_argument('--predictions', required=True)
    parser.add_argument('--ground-truth', required=True)
    parser.add_argument('--gt-suffix', required=True)
    parser.add_argument('--ids', required=True)
    args = parser.parse_args()

    with open(args.json) as f:
        result = json.load(f)
    num_classes = len(result['classes'])
    ids = args.ids.split(',')
    if result['images'] != len(ids):
        sys.exit('the JSON counts %d images, the reference %d' % (result['images'], len(ids)))

    totals = [np.zeros(num_classes, np.int64) for _ in range(4)]
    for image_id in ids:
        pred = cv2.imread('%s/%s.png' % (args.predictions, image_id), cv2.IMREAD_UNCHANGED)
        gt = cv2.imread('%s/%s%s' % (args.ground_truth, image_id, args.gt_suffix),
                        cv2.IMREAD_UNCHANGED)
        if pred is None or gt is None:
            sys.exit('cannot read the prediction or the ground truth of image %s' % image_id)
        if pred.shape != gt.shape or gt.ndim != 2:
            sys.exit('image %s: prediction %s, ground truth %s' % (image_id, pred.shape, gt.shape))
        if pred.max() >= num_classes:
            sys.exit('image %s: predicted label %d >= %d classes' % (image_id, pred.max(),
                                                                      num_classes))
        for total, counts in zip(totals, image_counts(pred, gt, num_classes)):
            total += counts
    area_intersect, area_union, area_pred, area_label = totals

    with np.errstate(divide='ignore', invalid='ignore'):
        iou = area_intersect / area_union
        acc = area_intersect / area_label
    miou = float(np.nanmean(iou) * 100)
    macc = float(np.nanmean(acc) * 100)
    aacc = float(area_intersect.sum() / area_label.sum() * 100)

    failures = []
    for c, row in enumerate(result['classes']):
        for key, expected in (('intersect', area_intersect[c]), ('union', area_union[c]),
                              ('pred', area_pred[c]), ('label', area_label[c])):
            if row[key] != int(expected):
                failures.append('class %d %s: command %s, reference %d' % (c, key, row[key],
                                                                         expected))
        for key, expected in (('iou', iou[c]), ('acc', acc[c])):
            got = row[key]
            if math.isnan(expected) != (got is None) or (
                    got is not None and abs(got - expected * 100) > 1e-9):
                failures.append('class %d %s: command %s, reference %s' % (c, key, got,
                                                                         expected * 100))
    for key, expected in (('mIoU', miou), ('mAcc', macc), ('aAcc', aacc)):
        if result[key] is None or abs(result[key] - expected) > 1e-9:
            failures.append('%s: command %s, reference %r' % (key, result[key], expected))
    if failures:
        print('\n'.join(failures))
        sys.exit(1)
    print('reference metric on %d images: mIoU %.4f, mAcc %.4f, aAcc %.4f (%d classes counted); '
          'every count equal' % (len(ids), miou, macc, aacc, int(np.sum(~np.isnan(iou)))))


if __name__ == '__main__':
    main()
