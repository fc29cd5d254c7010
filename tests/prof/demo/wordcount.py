"""wordcount.py: the most common words of a text (gen_snapshots' demo frames)."""
import config, log
from io import read
from text import split, lower
from report import top_words, render


def main(path):
    cfg = config.load_config("wordcount.json")
    log.setup(cfg)
    print("counting", path)
    counts = count_words(path)
    print(len(counts), "distinct words")
    best = top_words(counts, cfg["top"])
    print("the", cfg["top"], "most common:")
    print(render(best))
def read_text(path):
    return read(path)


def tokenize(text):
    return [lower(w) for w in split(text)]
def tally(words, counts):
    for w in words:
        counts[intern(w)] = counts.get(w, 0) + 1
    return counts


def count_words(path):
    return tally(tokenize(read_text(path)), {})
