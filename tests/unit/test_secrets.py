from dockermagic.redaction import MASK, mask_argv, mask_env_list, mask_inspect, mask_url


def test_secret_env_values_are_masked():
    env = ["POSTGRES_USER=root", "POSTGRES_PASSWORD=root", "GITHUB_TOKEN=abc", "AWS_SECRET_ACCESS_KEY=x", "api_key=y"]
    assert mask_env_list(env) == ["POSTGRES_USER=root", f"POSTGRES_PASSWORD={MASK}", f"GITHUB_TOKEN={MASK}", f"AWS_SECRET_ACCESS_KEY={MASK}", f"api_key={MASK}"]


def test_url_passwords_are_masked():
    assert mask_url("DATABASE_URL=postgresql://root:root@db:5432/ny_taxi") == f"DATABASE_URL=postgresql://root:{MASK}@db:5432/ny_taxi"
    assert mask_url("http://example.org/a:b@c") == "http://example.org/a:b@c"


def test_argv_and_inspect_are_masked():
    assert mask_argv(["-e", "POSTGRES_PASSWORD=root", "--env=DB_TOKEN=t"]) == ["-e", f"POSTGRES_PASSWORD={MASK}", f"--env=DB_TOKEN={MASK}"]
    data = {"Config": {"Env": ["A=1", "MY_SECRET=s"], "Cmd": ["postgres"]}}
    assert mask_inspect(data)["Config"]["Env"] == ["A=1", f"MY_SECRET={MASK}"]


def test_output_text_is_masked():
    from dockermagic.redaction import mask_text

    # what `docker compose config` and service logs print
    assert mask_text("      POSTGRES_PASSWORD: root") == f"      POSTGRES_PASSWORD: {MASK}"
    assert mask_text('  - "API_TOKEN=abc"') == f'  - "API_TOKEN={MASK}"'
    assert mask_text("db-1  | AWS_SECRET_ACCESS_KEY=x user=me") == f"db-1  | AWS_SECRET_ACCESS_KEY={MASK} user=me"
    assert mask_text("DATABASE_URL: postgresql://root:root@db/x") == f"DATABASE_URL: postgresql://root:{MASK}@db/x"
    kept = "POSTGRES_USER: root\n    image: postgres:13\nports: 5433:5432\nsecrets:"
    assert mask_text(kept) == kept
