"""Answer sets for tests."""


def phq9_answers(q9: int = 0, **others) -> dict:
    answers = {f"q{n}": 0 for n in range(1, 10)}
    answers.update(others)
    answers["q9"] = q9
    return answers


def asq_answers(q1=0, q2=0, q3=0, q4=0, **extra) -> dict:
    return {"q1": q1, "q2": q2, "q3": q3, "q4": q4, **extra}
