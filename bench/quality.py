"""Rating accuracy and ranking quality on MovieLens 1M, as reported in the README.

Usage: python bench/quality.py [--data-dir DIR] [--epochs 10]
Prints, on the seeded 10% split: validation RMSE and training time of the global mean, a bias-only model and the
seed's FM; then NDCG/Recall/HitRate@10 for new users (10% of users held out, ranked from metadata alone) and for known
users (their 10%-split movies rated 4+, training movies excluded), each against popularity, shrunk-mean and random.
"""
import argparse, tempfile, time

import numpy as np

from fm_recsys.data import prepare
from fm_recsys.evaluation import cold_start_table, known_user_table
from fm_recsys.train import FMTrainer, TrainConfig, rmse


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-dir', help='MovieLens 1M directory (default: $FM_RECSYS_DATA, else download)')
    p.add_argument('--epochs', type=int, default=10)
    args = p.parse_args()
    data = prepare(args.data_dir, tempfile.mkdtemp())
    X, y, Xv, yv = data.X[data.train_rows], data.y[data.train_rows], data.X[data.valid_rows], data.y[data.valid_rows]
    print(f'MovieLens 1M, {len(X):,} training / {len(Xv):,} validation ratings (split seed {data.info["seed"]})\n')
    print(f'{"model":<28} {"valid RMSE":>10} {"train s":>8}')
    print(f'{"global mean":<28} {rmse(np.full(len(yv), y.mean()), yv):>10.4f} {0:>8.1f}')
    for name, config in (('biases only (FM with k=0)', TrainConfig(k=0, epochs=args.epochs)), ('seed FM (k=120)', TrainConfig(epochs=args.epochs))):
        start = time.perf_counter()
        trainer = FMTrainer(data.features.n_features, config).fit(X, y, Xv, yv, progress=False)
        best = min(h['valid_rmse'] for h in trainer.history)
        print(f'{name:<28} {trainer.history[-1]["valid_rmse"]:>10.4f} {time.perf_counter() - start:>8.1f}   (best epoch {best:.4f}; not used for selection)')
    config = TrainConfig(epochs=args.epochs)
    print('\nnew users: 10% of users held out, ranked from age, gender and occupation alone')
    table, alpha = cold_start_table(data, config)
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    print(f"(alpha chosen on users held out of the training users)")
    print('\nknown users: their 10%-split movies rated 4+, movies rated in training excluded')
    print(known_user_table(data, config).to_string(float_format=lambda v: f'{v:.4f}'))


if __name__ == '__main__': main()
