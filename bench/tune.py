"""Choose the tuned FM's hyperparameters on an inner split of the training rows, never on the reported 10% split.

Usage: python bench/tune.py [--data-dir DIR]
Trains the FM with all side features for each combination of embedding size and weight decay below (Adam, lr 3e-3,
batches of 4096, 12 epochs, lr / 10 after epoch 8) on 8/9 of the training rows and prints the RMSE on the other 1/9
after every epoch; the best final RMSE gives `fm_recsys.train.TUNED`.
"""
import argparse, dataclasses, itertools, tempfile

from fm_recsys.data import inner_split, prepare
from fm_recsys.train import TUNED, make_trainer

GRID = dict(k=(64, 128), weight_decay=(1e-5, 1e-4, 3e-4))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-dir', help='MovieLens 1M directory (default: $FM_RECSYS_DATA, else download)')
    args = p.parse_args()
    data = inner_split(prepare(args.data_dir, tempfile.mkdtemp()))
    print(f'inner split: {len(data.train_rows):,} training / {len(data.valid_rows):,} validation ratings')
    for values in itertools.product(*GRID.values()):
        config = dataclasses.replace(TUNED, **dict(zip(GRID, values)))
        trainer = make_trainer(data, config).fit(data.X[data.train_rows], data.y[data.train_rows], data.X[data.valid_rows], data.y[data.valid_rows], progress=False)
        curve = ' '.join(f'{h["valid_rmse"]:.4f}' for h in trainer.history)
        print(f'{dict(zip(GRID, values))}: final {trainer.history[-1]["valid_rmse"]:.4f}  per epoch: {curve}', flush=True)


if __name__ == '__main__': main()
