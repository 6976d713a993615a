from transformers import AutoTokenizer

from crm_ai_trainer import data


def test_only_the_reply_is_trained_on(tiny, conversations):
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    data.ensure_chat_template(tokenizer)
    example = data.encode(tokenizer, conversations[1], 256)
    reply = [t for t, label in zip(example.input_ids, example.labels, strict=True) if label != data.IGNORE]
    assert tokenizer.decode(reply, skip_special_tokens=True).strip() == "Deal 1 is in proposal."
    assert example.labels[0] == data.IGNORE
    assert example.input_ids[-1] == tokenizer.eos_token_id


def test_the_export_splits_into_train_and_validation():
    text = '{"split":"train","messages":[]}\n\n{"split":"validation","messages":[]}\n{"split":"train","messages":[]}\n'
    train, validation = data.read_export(text)
    assert (len(train), len(validation)) == (2, 1)


def test_a_long_example_is_cut_to_the_limit(tiny, conversations):
    tokenizer = AutoTokenizer.from_pretrained(tiny)
    data.ensure_chat_template(tokenizer)
    example = data.encode(tokenizer, conversations[0], 10)
    assert len(example.input_ids) == len(example.labels) == 10
