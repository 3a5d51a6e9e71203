#!/usr/bin/env python3
"""Compares ITACLIP outputs (class scores .npy + label map .png) with the reference's (tests only).

Usage: compare_outputs.py --ref-scores A.npy --ref-labels A.png --scores B.npy --labels B.png
                          [--max-abs 1e-3] [--min-agree 0.995]
Prints max |diff|, mean |diff| and the label agreement. Exits 1 when the shapes differ, a value
is not finite, max |diff| is not below --max-abs, or the agreement is below --min-agree;
exits 2 when a file cannot be read.
"""

import argparse
import sys

import cv2
import numpy as np


def read_labels(path):
    img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    if img is None:
        raise IOError('cannot read label map %s' % path)
    if img.ndim != 2:
        raise IOError('label map %s is not single-channel (shape %r)' % (path, img.shape))
    return img.astype(np.int64)


def compare(ref_scores, scores, ref_labels, labels, max_abs, min_agree):
    """Returns (ok, report lines)."""
    lines = []
    ok = True
    if ref_scores.shape != scores.shape:
        return False, ['scores shape differs: reference %r vs %r' % (ref_scores.shape, scores.shape)]
    if ref_labels.shape != labels.shape:
        return False, ['labels shape differs: reference %r vs %r' % (ref_labels.shape, labels.shape)]
    if not np.isfinite(scores).all() or not np.isfinite(ref_scores).all():
        return False, ['non-finite score values (reference: %d, tested: %d)'
                       % (np.size(ref_scores) - np.isfinite(ref_scores).sum(),
                          np.size(scores) - np.isfinite(scores).sum())]
    diff = np.abs(ref_scores.astype(np.float64) - scores.astype(np.float64))
    max_diff = float(diff.max()) if diff.size else 0.0
    mean_diff = float(diff.mean()) if diff.size else 0.0
    agree = float((ref_labels == labels).mean()) if labels.size else 1.0
    lines.append('scores %s: max |diff| %.3g, mean |diff| %.3g (limit %.3g)'
                 % ('x'.join(map(str, scores.shape)), max_diff, mean_diff, max_abs))
    if diff.size:
        idx = np.unravel_index(int(diff.argmax()), diff.shape)
        lines.append('  worst at %r: reference %.6g, tested %.6g'
                     % (tuple(int(i) for i in idx), ref_scores[idx], scores[idx]))
    lines.append('labels %s: agreement %.5f (limit %.5f), %d pixels differ'
                 % ('x'.join(map(str, labels.shape)), agree, min_agree,
                    int((ref_labels != labels).sum())))
    if not max_diff < max_abs:
        ok = False
        lines.append('FAIL: max |diff| %.3g is not below %.3g' % (max_diff, max_abs))
    if agree < min_agree:
        ok = False
        lines.append('FAIL: label agreement %.5f is below %.5f' % (agree, min_agree))
    return ok, lines


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--ref-scores', required=True)
    p.add_argument('--ref-labels', required=True)
    p.add_argument('--scores', required=True)
    p.add_argument('--labels', required=True)
    p.add_argument('--max-abs', type=float, default=1e-3)
    p.add_argument('--min-agree', type=float, default=0.995)
    a = p.parse_args(argv)
    try:
        ref_scores = np.load(a.ref_scores)
        scores = np.load(a.scores)
        ref_labels = read_labels(a.ref_labels)
        labels = read_labels(a.labels)
    except (IOError, ValueError) as e:
        print('ERROR: %s' % e)
        return 2
    ok, lines = compare(ref_scores, scores, ref_labels, labels, a.max_abs, a.min_agree)
    for line in lines:
        print(line)
    print('PASS' if ok else 'FAIL')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
