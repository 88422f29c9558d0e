"""The model: feed cleaning, tokens, text features, the lexicon, the compiled TF-IDF views, the
semantic view, the topic and tone heads, per-row explanations, model files and fitting; and the
prediction runtime (`runtime`: the heads as plain arrays, numpy only), its safe reading from a
model file (`archive`) and in-memory prediction (`inference`). Those three, `tokens`, `cleaning`
and `semantic` import neither scikit-learn nor scipy, so predicting from a file needs neither.

It imports ``classifier.io`` and ``classifier.data`` (the labelled rows a model is fitted on),
besides ``config``, ``errors`` and ``figures``; never ``evaluation``, ``predict``, ``trends`` or
``serve``: fitting here scores nothing; a workflow that fits and then evaluates lives in
``classifier.workflows``.
"""

__all__: list[str] = []
