"""The seeds' design of the Copy That API in Python, as a user would otherwise run it: FastAPI on uvicorn (one
worker, uvloop and httptools), asyncpg, redis-py, PyJWT, bcrypt.

Only what `Benchmarks/api-bench` measures: an authenticated GET /api/v1/projects/{id}: the seeds'
`get_current_user` (decode the HS256 token, load the user), their Redis rate limiter (a sorted-set pipeline per
window, per minute and per hour) and `get_owned_project` (load the project, check the owner). It reads the same
PostgreSQL tables as copythat-api, so both answer from the same rows. Written for the benchmark; not a product.
"""
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

app = FastAPI()
state: dict = {}


@app.on_event("startup")
async def startup() -> None:
    state["db"] = await asyncpg.create_pool(os.environ["DATABASE_URL"], min_size=5, max_size=20)
    state["redis"] = redis.from_url(os.environ["REDIS_URL"])


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
