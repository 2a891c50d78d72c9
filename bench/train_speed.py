"""One epoch of the seed's training loop and of fm-recsys's trainer on the same MovieLens 1M split, in one run.

Usage: python bench/train_speed.py [--data-dir DIR] [--epochs N]
Prints the seconds per epoch of each loop, their ratio and the validation RMSE after the epoch(s).
"""
import argparse, tempfile

from fm_recsys.data import prepare
from fm_recsys.train import FMTrainer, TrainConfig


def time_loop(data, loop, epochs):
    "Seconds per epoch and final validation RMSE of `loop` in the seed configuration"
    trainer = FMTrainer(data.features.n_features, TrainConfig(loop=loop, epochs=epochs))
    trainer.fit(data.X[data.train_rows], data.y[data.train_rows], data.X[data.valid_rows], data.y[data.valid_rows], progress=False)
    return [h['seconds'] for h in trainer.history], trainer.history[-1]['valid_rmse']


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--data-dir', help='MovieLens 1M directory (default: $FM_RECSYS_DATA, else download)')
    p.add_argument('--epochs', type=int, default=1)
    args = p.parse_args()
    data = prepare(args.data_dir, tempfile.mkdtemp())
    print(f'{len(data.train_rows):,} training ratings, seed configuration (k=120, batch 1024, Adam lr 1e-3, weight decay 1e-5)')
    results = {loop: time_loop(data, loop, args.epochs) for loop in ('reference', 'fast')}
    for loop, (seconds, valid_rmse) in results.items():
        print(f'{loop:>9}: {sum(seconds) / len(seconds):6.2f} s/epoch  (epochs: {", ".join(f"{s:.2f}" for s in seconds)})  valid RMSE {valid_rmse:.4f}')
    ref, fast = (sum(results[l][0]) for l in ('reference', 'fast'))
    print(f'speed-up: {ref / fast:.1f}x')


if __name__ == '__main__': main()
