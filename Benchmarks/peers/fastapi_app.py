"""The seeds' design of the Copy That API in Python, as a user would otherwise run it: FastAPI on uvicorn (one
worker, uvloop and httptools), asyncpg, redis-py, PyJWT, bcrypt.

Only what `Benchmarks/api-bench` measures: an authenticated GET /api/v1/projects/{id}: the seeds'
`get_current_user` (decode the HS256 token, load the user), their Redis rate limiter (a sorted-set pipeline per
window, per minute and per hour) and `get_owned_project` (load the project, check the owner); and POST
/api/v1/colors/extract doing what copythat-api does for a base64 image: the same checks, the image's SHA-256, the
result cache in Redis (by image, model, count and prompt version), on a miss the seeds' daily-cost query and one
call to the Messages API (httpx; the benchmark's stub answers at once), then the job and its colour tokens in one
transaction and a usage-log row. It reads and writes the same PostgreSQL tables as copythat-api. Written for the
benchmark; not a product.
"""
import base64
import hashlib
import json
import os
import time
import uuid

import asyncpg
import jwt
import redis.asyncio as redis
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse

SECRET_KEY = os.environ["PEER_JWT_KEY"]
ALGORITHM = "HS256"
PER_MINUTE = int(os.environ.get("RATE_LIMIT_PER_MINUTE", "60"))
PER_HOUR = int(os.environ.get("RATE_LIMIT_PER_HOUR", "1000"))
EXTRACT_LIMIT = int(os.environ.get("EXTRACTION_RATE_LIMIT", "10"))
ANTHROPIC_BASE_URL = os.environ.get("ANTHROPIC_BASE_URL", "https://api.anthropic.com")
ANTHROPIC_API_KEY = os.environ.get("ANTHROPIC_API_KEY", "")
MODEL = "claude-sonnet-4-5-20250929"

app = FastAPI()
state: dict = {}


@app.on_event("startup")
async def startup() -> None:
    state["db"] = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=5, max_size=20)
    state["redis"] = redis.from_url(os.environ["REDIS_URL"])
    import httpx

    state["http"] = httpx.AsyncClient(timeout=30)


async def check_rate_limit(key: str, limit: int, window_seconds: int):
    # The seeds' RateLimiter.check_rate_limit, with a unique member per request (theirs used the second).
    current_time = time.time()
    rate_key = f"peer:ratelimit:{key}"
    pipe = state["redis"].pipeline()
    pipe.zremrangebyscore(rate_key, 0, current_time - window_seconds)
    pipe.zcard(rate_key)
    pipe.zadd(rate_key, {uuid.uuid4().hex: current_time})
    pipe.expire(rate_key, window_seconds)
    results = await pipe.execute()
    count = results[1]
    return count < limit, max(0, limit - count - 1), int(current_time) + window_seconds


async def get_current_user(request: Request):
    authorization = request.headers.get("authorization", "")
    if not authorization.startswith("Bearer "):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
    try:
        payload = jwt.decode(authorization[7:], SECRET_KEY, algorithms=[ALGORITHM])
    except jwt.PyJWTError:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials", headers={"WWW-Authenticate": "Bearer"})
    if payload.get("type") != "access":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials")
    row = await state["db"].fetchrow(
        "SELECT id::text, email, full_name, roles, is_active FROM users WHERE id = $1::uuid", payload["sub"]
    )
    if row is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "User not found")
    if not row["is_active"]:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "User account is disabled")
    return row


@app.get("/api/v1/projects/{project_id}")
async def get_project(project_id: int, user=Depends(get_current_user)):
    allowed, remaining, reset = await check_rate_limit(f"user:{user['id']}:minute", PER_MINUTE, 60)
    if allowed:
        allowed_hour, _, _ = await check_rate_limit(f"user:{user['id']}:hour", PER_HOUR, 3600)
        allowed = allowed_hour
    if not allowed:
        return JSONResponse({"detail": "Rate limit exceeded"}, status_code=429)
    project = await state["db"].fetchrow(
        "SELECT id, name, description, owner_id::text, created_at, updated_at FROM projects WHERE id = $1", project_id
    )
    if project is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Project not found")
    if project["owner_id"] != user["id"] and "admin" not in user["roles"]:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Not authorized to access this project")
    body = {
        "id": project["id"],
        "name": project["name"],
        "description": project["description"],
        "owner_id": project["owner_id"],
        "created_at": project["created_at"].isoformat(),
        "updated_at": project["updated_at"].isoformat(),
    }
    return JSONResponse(body, headers={"X-RateLimit-Limit": str(PER_MINUTE), "X-RateLimit-Remaining": str(remaining), "X-RateLimit-Reset": str(reset)})


@app.post("/api/v1/colors/extract")
async def extract_colors(request: Request, user=Depends(get_current_user)):
    allowed, _, _ = await check_rate_limit(f"user:{user['id']}:extract", EXTRACT_LIMIT, 60)
    if not allowed:
        return JSONResponse({"detail": "Too many extraction requests"}, status_code=429)
    body = await request.json()
    project_id = int(body["project_id"])
    max_colors = int(body.get("max_colors", 10))
    image = base64.b64decode(body["image_base64"], validate=True)
    if len(image) > 10 * 1024 * 1024:
        raise HTTPException(413, "Image too large")
    project = await state["db"].fetchrow("SELECT owner_id::text FROM projects WHERE id = $1", project_id)
    if project is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "Project not found")
    if project["owner_id"] != user["id"] and "admin" not in user["roles"]:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Not authorized to access this project")
    digest = hashlib.sha256(image).hexdigest()
    key = f"peer:colors:extract:{digest}:{MODEL}:{max_colors}:v1"
    cached = await state["redis"].get(key)
    input_tokens = output_tokens = 0
    if cached is not None:
        entry = json.loads(cached)
        palette = entry["palette"]
        input_tokens, output_tokens = entry["input_tokens"], entry["output_tokens"]
    else:
        await state["db"].fetchval(
            "SELECT COALESCE(SUM(cost_nanodollars), 0) FROM api_usage_logs WHERE timestamp >= date_trunc('day', now()) "
            "AND NOT cached AND user_id = $1",
            user["id"],
        )
        response = await state["http"].post(
            f"{ANTHROPIC_BASE_URL}/v1/messages",
            headers={"x-api-key": ANTHROPIC_API_KEY, "anthropic-version": "2023-06-01"},
            json={
                "model": MODEL,
                "max_tokens": 2000,
                "messages": [{"role": "user", "content": [
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": body["image_base64"]}},
                    {"type": "text", "text": f"Extract exactly {max_colors} distinct colours from this image."},
                ]}],
            },
        )
        answer = response.json()
        palette = json.loads(answer["content"][0]["text"])
        input_tokens = answer["usage"]["input_tokens"]
        output_tokens = answer["usage"]["output_tokens"]
        await state["redis"].set(
            key, json.dumps({"palette": palette, "input_tokens": input_tokens, "output_tokens": output_tokens}), ex=86400
        )
    colors = palette["colors"]
    async with state["db"].acquire() as connection:
        async with connection.transaction():
            job_id = await connection.fetchval(
                "INSERT INTO extraction_jobs (project_id, user_id, source_type, image_sha256, max_colors) "
                "VALUES ($1, $2::uuid, 'base64', $3, $4) RETURNING id",
                project_id, user["id"], digest, max_colors,
            )
            rows = await connection.fetch(
                "INSERT INTO color_tokens (project_id, extraction_job_id, hex, name, design_intent, confidence, prominence, usage) "
                "SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::real[], $7::real[], $8::text[]) "
                "RETURNING id, hex, name, design_intent, role, confidence, prominence, usage, extraction_job_id, created_at",
                project_id, job_id, [c["hex"] for c in colors], [c["name"] for c in colors],
                [c["design_intent"] for c in colors], [c["confidence"] for c in colors],
                [c["prominence"] for c in colors], [c["usage"] for c in colors],
            )
            await connection.execute(
                "UPDATE extraction_jobs SET status = 'completed', provider = 'anthropic', model = $2, completed_at = now() WHERE id = $1",
                job_id, MODEL,
            )
    cost = (input_tokens * 3000 + output_tokens * 15000)  # nanodollars: $0.003 and $0.015 per 1K
    await state["db"].execute(
        "INSERT INTO api_usage_logs (user_id, project_id, model, endpoint, input_tokens, output_tokens, cost_nanodollars, cached) "
        "VALUES ($1, $2, $3, '/api/v1/colors/extract', $4, $5, $6, $7)",
        user["id"], project_id, MODEL, input_tokens, output_tokens, cost, cached is not None,
    )
    return JSONResponse({
        "job_id": job_id, "project_id": project_id, "provider": "anthropic", "model": MODEL, "cached": cached is not None,
        "colors": [{**dict(row), "created_at": row["created_at"].isoformat()} for row in rows],
        "dominant_colors": palette["dominant_colors"], "palette_description": palette["palette_description"],
        "overall_confidence": palette["overall_confidence"],
    })
