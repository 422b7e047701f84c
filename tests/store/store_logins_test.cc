/* Users, registered clients and signing keys in the store; SQLite's schema 2 → 3 migration; restarts. */
#include "store/store_fixture.h"

#include <string>
#include <vector>

namespace
{

class StoreLogins : public StoreFixture
{
  protected:
    /* Follows user pages of limit until the end, returning usernames in the order seen. */
    std::vector<std::string> usernames(int limit, int *pages = nullptr)
    {
        std::vector<std::string> seen;
        std::string after;
        for (int page = 1; page < 100; page++) {
            sts_user_record_t *rows = nullptr;
            size_t count = 0;
            int more = 0;
            EXPECT_EQ(store->user_list(store, after.c_str(), limit, &arena, &rows, &count, &more, error, sizeof(error)),
                      STS_STORE_OK)
                << error;
            for (size_t i = 0; i < count; i++)
                seen.push_back(rows[i].username);
            if (pages != nullptr)
                *pages = page;
            if (!more)
                break;
            EXPECT_EQ(count, static_cast<size_t>(limit));
            after = seen.back();
        }
        return seen;
    }
    sts_store_result_t add_client(const char *client_id, int64_t max_lifetime = 86400)
    {
        sts_client_record_t client{client_id, "XCO", "admin,viewer", max_lifetime, 1, 10, 10, 0, {}, nullptr};
        return store->client_create(store, &client, error, sizeof(error));
    }
    sts_store_result_t add_key(const char *kid, int64_t created, int64_t verify_for,
                               const char *purpose = STS_KEY_PURPOSE_JWS)
    {
        static const uint8_t sealed[] = {0, 1, 2, 0xfe, 0xff, 0};
        sts_key_record_t key{kid, purpose, "ES256", sealed, sizeof(sealed), created, 77, 88};
        return store->key_add(store, &key, verify_for, error, sizeof(error));
    }
    std::vector<std::string> kids(int64_t now, std::vector<sts_key_record_t> *records = nullptr,
                                  const char *purpose = STS_KEY_PURPOSE_JWS)
    {
        sts_key_record_t *keys = nullptr;
        size_t count = 0;
        EXPECT_EQ(store->key_list(store, purpose, now, &arena, &keys, &count, error, sizeof(error)), STS_STORE_OK)
            << error;
        std::vector<std::string> out;
        for (size_t i = 0; i < count; i++) {
            out.push_back(keys[i].kid);
            if (records != nullptr)
                records->push_back(keys[i]);
        }
        return out;
    }
};

TEST_F(StoreLogins, UserCreateGetByIdAndByUsername)
{
    ASSERT_EQ(add_user(1, "alice"), STS_STORE_OK) << error;
    sts_user_record_t got{};
    ASSERT_EQ(store->user_get(store, id(1).c_str(), nullptr, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.id, id(1));
    EXPECT_STREQ(got.username, "alice");
    EXPECT_STREQ(got.password_hash, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA");
    EXPECT_STREQ(got.roles, "viewer");
    EXPECT_EQ(got.enabled, 1);
    EXPECT_EQ(got.created_time, 1001);
    EXPECT_EQ(got.updated_time, 1001);
    EXPECT_EQ(got.tokens_not_before, 0);
    EXPECT_STREQ(got.source, "") << "the store's own users";
    sts_user_record_t by_name{};
    ASSERT_EQ(store->user_get(store, nullptr, "alice", &arena, &by_name, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(by_name.id, id(1));
    EXPECT_EQ(store->user_get(store, id(2).c_str(), nullptr, &arena, &got, error, sizeof(error)), STS_STORE_NOT_FOUND);
    EXPECT_EQ(store->user_get(store, nullptr, "bob", &arena, &got, error, sizeof(error)), STS_STORE_NOT_FOUND);
    EXPECT_EQ(store->user_get(store, nullptr, nullptr, &arena, &got, error, sizeof(error)), STS_STORE_ERROR);
    EXPECT_EQ(store->user_get(store, id(1).c_str(), "alice", &arena, &got, error, sizeof(error)), STS_STORE_ERROR);
}

/* A directory user's shadow record: its source, no hash, and updates that leave the source alone. */
TEST_F(StoreLogins, ShadowUsersKeepTheirSource)
{
    sts_user_record_t shadow{};
    snprintf(shadow.id, sizeof(shadow.id), "%s", id(7).c_str());
    shadow.username = "dir-user";
    shadow.roles = "admin";
    shadow.enabled = 1;
    shadow.created_time = shadow.updated_time = 5;
    shadow.source = "ldap";
    ASSERT_EQ(store->user_create(store, &shadow, error, sizeof(error)), STS_STORE_OK) << error;
    const char *roles = "";
    sts_user_change_t change{};
    change.roles = roles;
    change.now = 6;
    sts_user_record_t got{};
    ASSERT_EQ(store->user_update(store, id(7).c_str(), &change, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_STREQ(got.source, "ldap");
    EXPECT_STREQ(got.password_hash, "");
    EXPECT_STREQ(got.roles, "");
    sts_user_record_t *rows = nullptr;
    size_t count = 0;
    int more = 0;
    ASSERT_EQ(store->user_list(store, "", 10, &arena, &rows, &count, &more, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(count, 1u);
    EXPECT_STREQ(rows[0].source, "ldap");
}

TEST_F(StoreLogins, TakenUsernameIsExistsAndTheMessageHasNoHash)
{
    ASSERT_EQ(add_user(1, "alice"), STS_STORE_OK);
    EXPECT_EQ(add_user(2, "alice", "$argon2id$secret-looking-hash"), STS_STORE_EXISTS);
    EXPECT_STREQ(error, "a user named \"alice\" already exists");
    /* A clashing id is a fault, not a taken name. */
    EXPECT_EQ(add_user(1, "bob", "$argon2id$secret-looking-hash"), STS_STORE_ERROR);
    EXPECT_NE(std::string(error).find("database: inserting a user: "), std::string::npos) << error;
    EXPECT_EQ(std::string(error).find("secret-looking-hash"), std::string::npos) << error;
    EXPECT_EQ(scalar("SELECT count(*) FROM users"), 1);
}

TEST_F(StoreLogins, UsernamesDifferingInCaseAreDifferentUsers)
{
    ASSERT_EQ(add_user(1, "alice"), STS_STORE_OK);
    ASSERT_EQ(add_user(2, "Alice"), STS_STORE_OK) << error;
    ASSERT_EQ(add_user(3, "ALICE"), STS_STORE_OK) << error;
    sts_user_record_t got{};
    ASSERT_EQ(store->user_get(store, nullptr, "Alice", &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.id, id(2));
    EXPECT_EQ(store->user_get(store, nullptr, "aLICE", &arena, &got, error, sizeof(error)), STS_STORE_NOT_FOUND);
    /* Byte order: upper case sorts first. */
    EXPECT_EQ(usernames(10), (std::vector<std::string>{"ALICE", "Alice", "alice"}));
}

TEST_F(StoreLogins, UserListPagesByUsername)
{
    int pages = 0;
    EXPECT_TRUE(usernames(3, &pages).empty());
    EXPECT_EQ(pages, 1);
    const char *names[] = {"dave", "alice", "erin", "carol", "bob", "frank"};
    for (int i = 0; i < 6; i++)
        ASSERT_EQ(add_user(i + 1, names[i]), STS_STORE_OK);
    EXPECT_EQ(usernames(3, &pages), (std::vector<std::string>{"alice", "bob", "carol", "dave", "erin", "frank"}));
    EXPECT_EQ(pages, 2); /* exactly two full pages: the second says there is no more */
    EXPECT_EQ(usernames(6, &pages).size(), 6u);
    EXPECT_EQ(pages, 1);
    EXPECT_EQ(usernames(5, &pages).size(), 6u);
    EXPECT_EQ(pages, 2);
    sts_user_record_t *rows = nullptr;
    size_t count = 0;
    int more = 0;
    ASSERT_EQ(store->user_list(store, "carol", 2, &arena, &rows, &count, &more, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(count, 2u);
    EXPECT_STREQ(rows[0].username, "dave");
    EXPECT_STREQ(rows[1].username, "erin");
    EXPECT_EQ(more, 1);
    ASSERT_EQ(store->user_list(store, "erin", 2, &arena, &rows, &count, &more, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(count, 1u);
    EXPECT_EQ(more, 0);
}

TEST_F(StoreLogins, UserUpdateChangesOnlyWhatItNames)
{
    ASSERT_EQ(add_user(1, "alice"), STS_STORE_OK);
    sts_user_record_t got{};
    sts_user_change_t change{};
    change.password_hash = "$argon2id$new";
    change.now = 5000;
    ASSERT_EQ(store->user_update(store, id(1).c_str(), &change, &arena, &got, error, sizeof(error)), STS_STORE_OK)
        << error;
    EXPECT_STREQ(got.password_hash, "$argon2id$new");
    EXPECT_STREQ(got.roles, "viewer");
    EXPECT_EQ(got.enabled, 1);
    EXPECT_EQ(got.updated_time, 5000);
    EXPECT_EQ(got.tokens_not_before, 0);
    EXPECT_EQ(got.created_time, 1001);

    change = {};
    change.roles = "admin,viewer";
    change.now = 6000;
    ASSERT_EQ(store->user_update(store, id(1).c_str(), &change, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_STREQ(got.roles, "admin,viewer");
    EXPECT_STREQ(got.password_hash, "$argon2id$new");
    EXPECT_EQ(got.updated_time, 6000);

    change = {};
    const int disabled = 0;
    change.enabled = &disabled;
    change.now = 7000;
    ASSERT_EQ(store->user_update(store, id(1).c_str(), &change, &arena, nullptr, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(store->user_get(store, id(1).c_str(), nullptr, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.enabled, 0);
    EXPECT_STREQ(got.roles, "admin,viewer");
    EXPECT_EQ(got.updated_time, 7000);
    EXPECT_EQ(got.tokens_not_before, 0);

    change = {};
    change.roles = "";
    change.now = 8000;
    ASSERT_EQ(store->user_update(store, id(1).c_str(), &change, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_STREQ(got.roles, "");
    EXPECT_EQ(store->user_update(store, id(9).c_str(), &change, &arena, &got, error, sizeof(error)),
              STS_STORE_NOT_FOUND);
}

TEST_F(StoreLogins, RevokeSessionsSetsTokensNotBeforeAndRevokesEveryFamilyOfTheUser)
{
    ASSERT_EQ(add_user(1, "alice"), STS_STORE_OK);
    ASSERT_EQ(add_user(2, "bob"), STS_STORE_OK);
    ASSERT_EQ(add_refresh(11, 101, 1), STS_STORE_OK) << error;
    ASSERT_EQ(add_refresh(12, 102, 1), STS_STORE_OK) << error;
    ASSERT_EQ(add_refresh(21, 201, 2), STS_STORE_OK) << error;
    /* A change without revoke_sessions leaves the sessions alone. */
    sts_user_change_t change{};
    change.roles = "viewer";
    change.now = 4000;
    ASSERT_EQ(store->user_update(store, id(1).c_str(), &change, &arena, nullptr, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(revoked(11), 0);
    EXPECT_EQ(scalar("SELECT tokens_not_before FROM users WHERE id = '" + id(1) + "'"), 0);

    change = {};
    change.password_hash = "$argon2id$changed";
    change.revoke_sessions = 1;
    change.now = 5000;
    sts_user_record_t got{};
    ASSERT_EQ(store->user_update(store, id(1).c_str(), &change, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.tokens_not_before, 5000);
    EXPECT_EQ(revoked(11), 1);
    EXPECT_EQ(revoked(12), 1);
    EXPECT_EQ(revoked(21), 0);
    EXPECT_EQ(rotate(11, 13, 100), STS_STORE_NOT_FOUND);
    EXPECT_EQ(rotate(21, 22, 100), STS_STORE_OK) << error;

    /* A clock stepping back does not move it backwards. */
    change.now = 3000;
    ASSERT_EQ(store->user_update(store, id(1).c_str(), &change, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.tokens_not_before, 5000);
    EXPECT_EQ(got.updated_time, 3000);
}

TEST_F(StoreLogins, UserRemoveTakesTheirRefreshTokensWithIt)
{
    ASSERT_EQ(add_user(1, "alice"), STS_STORE_OK);
    ASSERT_EQ(add_user(2, "bob"), STS_STORE_OK);
    ASSERT_EQ(add_refresh(11, 101, 1), STS_STORE_OK);
    ASSERT_EQ(add_refresh(12, 102, 1), STS_STORE_OK);
    ASSERT_EQ(add_refresh(21, 201, 2), STS_STORE_OK);
    ASSERT_EQ(store->user_remove(store, id(1).c_str(), 7000, error, sizeof(error)), STS_STORE_OK) << error;
    EXPECT_EQ(scalar("SELECT count(*) FROM refresh_tokens WHERE user_id = '" + id(1) + "'"), 0);
    EXPECT_EQ(scalar("SELECT count(*) FROM refresh_tokens"), 1);
    sts_user_record_t got{};
    EXPECT_EQ(store->user_get(store, nullptr, "alice", &arena, &got, error, sizeof(error)), STS_STORE_NOT_FOUND);
    EXPECT_EQ(store->user_remove(store, id(1).c_str(), 8000, error, sizeof(error)), STS_STORE_NOT_FOUND);
    /* The deletion is recorded (once, at its time), so a restart can still void the user's access tokens. */
    sts_user_removal_t *removals = nullptr;
    size_t count = 0;
    int more = 1;
    ASSERT_EQ(store->user_removals(store, "", 10, &arena, &removals, &count, &more, error, sizeof(error)), STS_STORE_OK)
        << error;
    ASSERT_EQ(count, 1u);
    EXPECT_EQ(more, 0);
    EXPECT_EQ(removals[0].id, id(1));
    EXPECT_EQ(removals[0].removed_time, 7000);
    /* The name is free again, for a new user with a new id. */
    EXPECT_EQ(add_user(3, "alice"), STS_STORE_OK);
    /* Deletions page in id order. */
    ASSERT_EQ(store->user_remove(store, id(3).c_str(), 9000, error, sizeof(error)), STS_STORE_OK) << error;
    ASSERT_EQ(store->user_remove(store, id(2).c_str(), 9500, error, sizeof(error)), STS_STORE_OK) << error;
    ASSERT_EQ(store->user_removals(store, "", 2, &arena, &removals, &count, &more, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(count, 2u);
    EXPECT_EQ(more, 1);
    EXPECT_EQ(removals[1].id, id(2));
    EXPECT_EQ(removals[1].removed_time, 9500);
    ASSERT_EQ(store->user_removals(store, id(2).c_str(), 2, &arena, &removals, &count, &more, error, sizeof(error)),
              STS_STORE_OK);
    ASSERT_EQ(count, 1u);
    EXPECT_EQ(more, 0);
    EXPECT_EQ(removals[0].id, id(3));
    /* A refresh token needs a user. */
    EXPECT_EQ(add_refresh(13, 103, 1), STS_STORE_ERROR);
    EXPECT_NE(std::string(error).find("database: inserting a refresh token: "), std::string::npos) << error;
}

TEST_F(StoreLogins, ClientsCreateGetListUpdateRemove)
{
    ASSERT_EQ(add_client("xco"), STS_STORE_OK) << error;
    EXPECT_EQ(add_client("xco", 60), STS_STORE_EXISTS);
    EXPECT_STREQ(error, "a client with clientId \"xco\" already exists");
    ASSERT_EQ(add_client("XCO"), STS_STORE_OK) << error; /* case matters here too */
    ASSERT_EQ(add_client("cli"), STS_STORE_OK);
    sts_client_record_t got{};
    ASSERT_EQ(store->client_get(store, "xco", &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_STREQ(got.client_id, "xco");
    EXPECT_STREQ(got.display_name, "XCO");
    EXPECT_STREQ(got.allowed_roles, "admin,viewer");
    EXPECT_EQ(got.max_lifetime_seconds, 86400);
    EXPECT_EQ(got.enabled, 1);
    EXPECT_EQ(got.created_time, 10);
    EXPECT_EQ(got.updated_time, 10);
    EXPECT_EQ(store->client_get(store, "nope", &arena, &got, error, sizeof(error)), STS_STORE_NOT_FOUND);

    sts_client_record_t *rows = nullptr;
    size_t count = 0;
    int more = 0;
    ASSERT_EQ(store->client_list(store, "", 2, &arena, &rows, &count, &more, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(count, 2u);
    EXPECT_STREQ(rows[0].client_id, "XCO");
    EXPECT_STREQ(rows[1].client_id, "cli");
    EXPECT_EQ(more, 1);
    ASSERT_EQ(store->client_list(store, "cli", 2, &arena, &rows, &count, &more, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(count, 1u);
    EXPECT_STREQ(rows[0].client_id, "xco");
    EXPECT_EQ(more, 0);

    sts_client_change_t change{};
    change.display_name = "Extreme Cloud Orchestrator";
    change.now = 20;
    ASSERT_EQ(store->client_update(store, "xco", &change, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_STREQ(got.display_name, "Extreme Cloud Orchestrator");
    EXPECT_STREQ(got.allowed_roles, "admin,viewer");
    EXPECT_EQ(got.updated_time, 20);
    change = {};
    change.allowed_roles = "viewer";
    change.now = 30;
    ASSERT_EQ(store->client_update(store, "xco", &change, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_STREQ(got.allowed_roles, "viewer");
    EXPECT_EQ(got.max_lifetime_seconds, 86400);
    change = {};
    const int64_t lifetime = 600;
    change.max_lifetime_seconds = &lifetime;
    change.now = 40;
    ASSERT_EQ(store->client_update(store, "xco", &change, &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.max_lifetime_seconds, 600);
    EXPECT_EQ(got.enabled, 1);
    change = {};
    const int disabled = 0;
    change.enabled = &disabled;
    change.now = 50;
    ASSERT_EQ(store->client_update(store, "xco", &change, &arena, nullptr, error, sizeof(error)), STS_STORE_OK);
    ASSERT_EQ(store->client_get(store, "xco", &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.enabled, 0);
    EXPECT_EQ(got.max_lifetime_seconds, 600);
    EXPECT_STREQ(got.display_name, "Extreme Cloud Orchestrator");
    EXPECT_EQ(got.updated_time, 50);
    EXPECT_EQ(got.created_time, 10);
    EXPECT_EQ(store->client_update(store, "nope", &change, &arena, &got, error, sizeof(error)), STS_STORE_NOT_FOUND);

    ASSERT_EQ(store->client_remove(store, "xco", error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(store->client_remove(store, "xco", error, sizeof(error)), STS_STORE_NOT_FOUND);
    EXPECT_EQ(store->client_get(store, "xco", &arena, &got, error, sizeof(error)), STS_STORE_NOT_FOUND);
    EXPECT_EQ(store->client_get(store, "XCO", &arena, &got, error, sizeof(error)), STS_STORE_OK);
}

TEST_F(StoreLogins, KeysRotateRetireAndPrune)
{
    EXPECT_TRUE(kids(0).empty());
    ASSERT_EQ(add_key("k1", 100, 50), STS_STORE_OK) << error;
    ASSERT_EQ(add_key("k2", 200, 50), STS_STORE_OK) << error;
    ASSERT_EQ(add_key("k3", 300, 50), STS_STORE_OK) << error;
    std::vector<sts_key_record_t> keys;
    /* At 240 k1 still verifies (until 250); newest first. */
    EXPECT_EQ(kids(240, &keys), (std::vector<std::string>{"k3", "k2", "k1"}));
    ASSERT_EQ(keys.size(), 3u);
    EXPECT_EQ(keys[0].retired_time, 0); /* the one active key, whatever the record said */
    EXPECT_EQ(keys[0].verify_until, 0);
    EXPECT_EQ(keys[1].retired_time, 300);
    EXPECT_EQ(keys[1].verify_until, 350);
    EXPECT_EQ(keys[2].retired_time, 200);
    EXPECT_EQ(keys[2].verify_until, 250);
    EXPECT_EQ(keys[2].created_time, 100);
    EXPECT_STREQ(keys[0].algorithm, "ES256");
    ASSERT_EQ(keys[0].sealed_private_len, 6u);
    const uint8_t sealed[] = {0, 1, 2, 0xfe, 0xff, 0};
    EXPECT_EQ(memcmp(keys[0].sealed_private, sealed, sizeof(sealed)), 0);
    EXPECT_EQ(scalar("SELECT count(*) FROM service_keys WHERE retired_time = 0"), 1);
    EXPECT_EQ(kids(250), (std::vector<std::string>{"k3", "k2"})); /* verify_until itself is over */
    EXPECT_EQ(kids(1000), (std::vector<std::string>{"k3"}));      /* the active key always */

    /* The same kid again changes nothing: k3 stays active. */
    EXPECT_EQ(add_key("k3", 400, 50), STS_STORE_EXISTS);
    EXPECT_EQ(scalar("SELECT retired_time FROM service_keys WHERE kid = 'k3'"), 0);

    ASSERT_EQ(store->key_prune(store, 249, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(scalar("SELECT count(*) FROM service_keys"), 3);
    ASSERT_EQ(store->key_prune(store, 250, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(scalar("SELECT count(*) FROM service_keys"), 2);
    EXPECT_EQ(kids(0), (std::vector<std::string>{"k3", "k2"}));
    ASSERT_EQ(store->key_prune(store, 1000000, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(kids(0), (std::vector<std::string>{"k3"}));
}

/* A confidential client keeps its secret's HMAC and grants; a public one has neither secret nor other grants. */
TEST_F(StoreLogins, ClientSecretsAndGrantsRoundTrip)
{
    ASSERT_EQ(add_client("public"), STS_STORE_OK) << error;
    sts_client_record_t confidential{"robot", "", "viewer", 60, 1, 10, 10, 1, {}, "client_credentials"};
    memset(confidential.secret_hmac, 0xab, sizeof(confidential.secret_hmac));
    ASSERT_EQ(store->client_create(store, &confidential, error, sizeof(error)), STS_STORE_OK) << error;
    sts_client_record_t got;
    ASSERT_EQ(store->client_get(store, "public", &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.has_secret, 0);
    EXPECT_STREQ(got.grants, "password,refresh_token");
    ASSERT_EQ(store->client_get(store, "robot", &arena, &got, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(got.has_secret, 1);
    EXPECT_EQ(got.secret_hmac[0], 0xab);
    EXPECT_EQ(got.secret_hmac[31], 0xab);
    EXPECT_STREQ(got.grants, "client_credentials");
}

/* Each purpose is a ring of its own: a new sealing key retires no signing key, and listings keep them apart. */
TEST_F(StoreLogins, KeyPurposesAreSeparateRings)
{
    ASSERT_EQ(add_key("sig1", 100, 50), STS_STORE_OK) << error;
    ASSERT_EQ(add_key("seal1", 200, 50, STS_KEY_PURPOSE_SESSION_SEAL), STS_STORE_OK) << error;
    ASSERT_EQ(add_key("hmac1", 300, 50, STS_KEY_PURPOSE_TOKEN_HMAC), STS_STORE_OK) << error;
    std::vector<sts_key_record_t> keys;
    EXPECT_EQ(kids(1000, &keys), (std::vector<std::string>{"sig1"}));
    EXPECT_EQ(keys[0].retired_time, 0);
    EXPECT_STREQ(keys[0].purpose, STS_KEY_PURPOSE_JWS);
    EXPECT_EQ(kids(1000, nullptr, STS_KEY_PURPOSE_SESSION_SEAL), (std::vector<std::string>{"seal1"}));
    ASSERT_EQ(add_key("seal2", 400, 50, STS_KEY_PURPOSE_SESSION_SEAL), STS_STORE_OK) << error;
    EXPECT_EQ(kids(420, nullptr, STS_KEY_PURPOSE_SESSION_SEAL), (std::vector<std::string>{"seal2", "seal1"}));
    EXPECT_EQ(scalar("SELECT count(*) FROM service_keys WHERE retired_time = 0"), 3);
}

using SqliteFileLogins = StoreLogins;

/* A database left by the previous release (schema 2, access tokens only) gains the login tables and keeps its tokens.
 */
TEST_F(SqliteFileLogins, MigratesAVersionTwoDatabase)
{
    close();
    for (const char *suffix : {"", "-wal", "-shm"})
        std::remove((path + suffix).c_str());
    sqlite3 *db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    /* Schema 2 as release 2 wrote it, with one token. */
    const char *v2 =
        "CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (2);"
        "CREATE TABLE access_tokens (id TEXT PRIMARY KEY, user_domain INTEGER NOT NULL, user_auth_id TEXT NOT NULL,"
        " user_uid INTEGER, user_gid INTEGER, user_sid TEXT NOT NULL, user_name TEXT NOT NULL, creator TEXT NOT NULL,"
        " creation_time INTEGER NOT NULL, expiration_time INTEGER NOT NULL, last_used_time INTEGER NOT NULL,"
        " enabled INTEGER NOT NULL, hmac BLOB NOT NULL, creator_domain INTEGER NOT NULL DEFAULT 0,"
        " creator_auth_id TEXT NOT NULL DEFAULT '', role_ceiling TEXT) WITHOUT ROWID;"
        "CREATE INDEX access_tokens_by_name ON access_tokens(user_name, id);"
        "CREATE INDEX access_tokens_by_owner ON access_tokens(user_domain, user_auth_id, user_name, id);"
        "CREATE INDEX access_tokens_by_auth_id ON access_tokens(user_auth_id, id);"
        "INSERT INTO access_tokens VALUES ('00000000000000000000000000000001', 0, 'admin', NULL, NULL, '', 'admin',"
        " 'stsd', 1, 0, 0, 1, x'00', 0, '', NULL);";
    ASSERT_EQ(sqlite3_exec(db, v2, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    sqlite3_close(db);
    open();
    EXPECT_EQ(scalar("SELECT version FROM schema_version"), STS_SQLITE_SCHEMA_VERSION);
    EXPECT_EQ(store->count(store), 1);
    sts_token_record_t token{};
    ASSERT_EQ(store->get(store, "00000000000000000000000000000001", &arena, &token, error, sizeof(error)),
              STS_STORE_OK);
    EXPECT_STREQ(token.user.name, "admin");
    EXPECT_EQ(token.role_ceiling, nullptr);
    ASSERT_EQ(add_user(1, "alice"), STS_STORE_OK) << error;
    sts_user_record_t alice{};
    ASSERT_EQ(store->user_get(store, nullptr, "alice", &arena, &alice, error, sizeof(error)), STS_STORE_OK);
    EXPECT_STREQ(alice.source, "");
    ASSERT_EQ(add_client("xco"), STS_STORE_OK) << error;
    ASSERT_EQ(add_key("k1", 1, 1), STS_STORE_OK) << error;
    ASSERT_EQ(add_refresh(11, 101, 1), STS_STORE_OK) << error;
    EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_master WHERE name IN ('refresh_tokens_by_family',"
                     " 'refresh_tokens_by_user')"),
              2);
}

TEST_F(StoreLogins, EverythingSurvivesARestart)
{
    ASSERT_EQ(add_user(1, "alice"), STS_STORE_OK);
    ASSERT_EQ(add_client("xco"), STS_STORE_OK);
    ASSERT_EQ(add_key("k1", 100, 50), STS_STORE_OK);
    ASSERT_EQ(add_key("k2", 200, 50), STS_STORE_OK);
    ASSERT_EQ(add_refresh(11, 101, 1), STS_STORE_OK);
    ASSERT_EQ(rotate(11, 12, 500), STS_STORE_OK) << error;
    open();
    sts_user_record_t user{};
    EXPECT_EQ(store->user_get(store, nullptr, "alice", &arena, &user, error, sizeof(error)), STS_STORE_OK);
    sts_client_record_t client{};
    EXPECT_EQ(store->client_get(store, "xco", &arena, &client, error, sizeof(error)), STS_STORE_OK);
    EXPECT_EQ(kids(220), (std::vector<std::string>{"k2", "k1"}));
    /* The rotation before the restart counts after it: the old token is used, its successor live. */
    EXPECT_EQ(rotate(12, 13, 600), STS_STORE_OK) << error;
    EXPECT_EQ(rotate(11, 14, 700), STS_STORE_REUSED);
}

} // namespace
